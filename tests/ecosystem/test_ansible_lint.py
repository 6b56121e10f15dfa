"""The example playbooks pass ansible-lint's strictest profile, `production`, with no warnings.

ansible-lint runs as a subprocess in the test's sandbox (its own HOME, so its caches stay there), and
finds mfa.aws through ANSIBLE_COLLECTIONS_PATH, so the collection's own modules are resolved and
their arguments checked rather than reported as unknown.
"""

import re
from pathlib import Path

import pytest

from tests.harness import AnsibleRunner
from tests.harness.paths import REPO_ROOT

PLAYBOOKS = REPO_ROOT / "playbooks"
CONFIG = REPO_ROOT / ".ansible-lint"
SUMMARY = re.compile(
    r"(?P<failures>\d+) failure\(s\), (?P<warnings>\d+) warning\(s\) in (?P<files>\d+) files? processed"
)


def ansible_lint(ansible: AnsibleRunner, *paths: Path):
    # --strict: warnings fail too; production is the profile Automation Hub certification asks for.
    return ansible.run_cli(
        "ansible-lint", "--nocolor", "--strict", "-c", str(CONFIG), "--profile", "production", *map(str, paths)
    )


def test_playbooks_pass_the_production_profile(ansible: AnsibleRunner) -> None:
    playbooks = sorted(PLAYBOOKS.glob("*.yml"))
    assert playbooks, "no playbooks to lint"
    result = ansible_lint(ansible, PLAYBOOKS)
    assert result.rc == 0, result.describe("ansible-lint found problems in playbooks/")
    summary = SUMMARY.search(result.output)
    assert summary, result.describe("ansible-lint printed no summary")
    assert summary["failures"] == summary["warnings"] == "0"
    # Every playbook was linted, not skipped as an unknown file kind.
    assert int(summary["files"]) >= len(playbooks), result.describe("ansible-lint skipped playbooks")
    assert "'production'" in result.output


@pytest.mark.parametrize(
    ("task", "rule"),
    [
        # Modules are resolved, so a misspelt one of the collection's is caught. (Options are not
        # checked: ansible-lint's args rule skips modules that have an action plugin, as all of ours do.)
        ("- name: Misspelt module\n      mfa.aws.s3_bucket_lister: {}\n", "syntax-check[unknown-module]"),
        # Production rules apply: short module names are refused.
        ("- name: Short name\n      debug:\n        msg: hi\n", "fqcn[action-core]"),
    ],
)
def test_lint_catches_a_bad_playbook(ansible: AnsibleRunner, tmp_path: Path, task: str, rule: str) -> None:
    playbook = tmp_path / "bad.yml"
    playbook.write_text(
        f"---\n- name: Bad\n  hosts: localhost\n  gather_facts: false\n  tasks:\n    {task}",
        encoding="utf-8",
    )
    result = ansible_lint(ansible, playbook)
    assert result.rc != 0, result.describe("ansible-lint passed a playbook it should refuse")
    assert rule in result.output, result.describe(f"ansible-lint did not report {rule}")
