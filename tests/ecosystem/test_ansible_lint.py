"""The example playbooks pass ansible-lint's strictest profile, `production`, with no warnings.

ansible-lint runs as a subprocess in the test's sandbox (its own HOME, so its caches stay there), and
finds mfa.aws through ANSIBLE_COLLECTIONS_PATH, so the collection's own modules are resolved and
their arguments checked rather than reported as unknown.
"""

import json
import re
from pathlib import Path

from tests.harness import AnsibleRunner
from tests.harness.paths import REPO_ROOT

PLAYBOOKS = REPO_ROOT / "playbooks"
CONFIG = REPO_ROOT / ".ansible-lint"
SUMMARY = re.compile(
    r"(?P<failures>\d+) failure\(s\), (?P<warnings>\d+) warning\(s\) in (?P<files>\d+) files? processed"
)


#: Playbooks ansible-lint must refuse, each with the rule that refuses it.
BAD_TASKS = {
    # Modules are resolved, so a misspelt one of the collection's is caught. (Options are not checked:
    # ansible-lint's args rule skips modules that have an action plugin, as all of ours do.)
    "misspelt-module.yml": (
        "- name: Misspelt module\n      mfa.aws.s3_bucket_lister: {}\n",
        "syntax-check[unknown-module]",
    ),
    # Production rules apply: short module names are refused.
    "short-name.yml": ("- name: Short name\n      debug:\n        msg: hi\n", "fqcn[action-core]"),
}


def ansible_lint(ansible: AnsibleRunner, *paths: Path):
    # --strict: warnings fail too; production is the profile Automation Hub certification asks for. Findings as
    # JSON (codeclimate), each with its file, so one run lints the good playbooks and the bad ones together.
    return ansible.run_cli(
        "ansible-lint",
        "--nocolor",
        "--strict",
        "-c",
        str(CONFIG),
        "--profile",
        "production",
        "-f",
        "codeclimate",
        *map(str, paths),
    )


def test_playbooks_pass_the_production_profile_and_bad_ones_are_caught(ansible: AnsibleRunner, tmp_path: Path) -> None:
    playbooks = sorted(PLAYBOOKS.glob("*.yml"))
    assert playbooks, "no playbooks to lint"
    bad = [tmp_path / name for name in BAD_TASKS]
    for path, (task, _rule) in zip(bad, BAD_TASKS.values(), strict=True):
        path.write_text(
            f"---\n- name: Bad\n  hosts: localhost\n  gather_facts: false\n  tasks:\n    {task}", encoding="utf-8"
        )
    # Named one by one: outside a git checkout, ansible-lint's directory expansion takes them for no playbook.
    result = ansible_lint(ansible, PLAYBOOKS, *bad)
    try:
        findings = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(result.describe("ansible-lint printed no findings as JSON")) from None
    found = {(Path(finding["location"]["path"]).name, finding["check_name"]) for finding in findings}
    # Nothing in playbooks/, not even a warning; each bad playbook is refused by its rule, and only by it.
    assert found == {(name, rule) for name, (_task, rule) in BAD_TASKS.items()}, result.describe("findings")
    assert result.rc != 0, result.describe("ansible-lint passed playbooks it should refuse")
    summary = SUMMARY.search(result.output)
    assert summary, result.describe("ansible-lint printed no summary")
    assert (summary["failures"], summary["warnings"]) == (str(len(BAD_TASKS)), "0"), result.describe("summary")
    # Every playbook was linted, not skipped as an unknown file kind.
    assert int(summary["files"]) >= len(playbooks) + len(BAD_TASKS), result.describe("ansible-lint skipped files")
    assert "'production'" in result.output
