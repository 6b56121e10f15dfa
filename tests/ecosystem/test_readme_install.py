"""The README's install from a checkout runs as written, at the root of a copy of this checkout.

The copy holds what git tracks or would track (as tests/sanity/run_sanity.py copies it), so the build writes
its tarball there and not into the checkout. ansible-galaxy comes from the venv running the tests, and HOME
is the test's own, so the collection lands in that HOME's ~/.ansible/collections, as it would in a user's.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import yaml

from tests.doc_snippets import commands
from tests.harness.paths import BIN_DIR, REPO_ROOT
from tests.sanity.run_sanity import copy_collection

README = REPO_ROOT / "README.md"
GALAXY = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))
ONE_STEP = "ansible-galaxy collection install --force ."


def user_shell(home: Path) -> dict[str, str]:
    home.mkdir()
    path = f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def run(line: str, checkout: Path, environment: dict[str, str]) -> None:
    done = subprocess.run(
        ["/bin/sh", "-c", line], cwd=checkout, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"README.md's `{line}` failed:\n{done.stdout}{done.stderr}"


def installed_version(home: Path) -> str:
    collection = home / ".ansible" / "collections" / "ansible_collections" / "mfa" / "aws"
    assert (collection / "plugins" / "modules" / "sts_mfa_session.py").is_file()
    # Built, not copied: no local clutter came along.
    assert not (collection / ".venv").exists() and not (collection / ".git").exists()
    return json.loads((collection / "MANIFEST.json").read_text(encoding="utf-8"))["collection_info"]["version"]


def test_the_readme_installs_a_checkout_through_its_tarball(tmp_path: Path) -> None:
    checkout = tmp_path / "mfa.aws"
    copy_collection(REPO_ROOT, checkout)
    shell = user_shell(tmp_path / "home")
    steps = commands(README, "install-from-checkout")
    # The tarball the README installs is the one this version builds.
    assert f"mfa-aws-{GALAXY['version']}.tar.gz" in steps[-1].text, "README.md installs another version's tarball"
    for step in steps:
        run(step.text, checkout, shell)
    assert installed_version(tmp_path / "home") == str(GALAXY["version"])


def test_the_readme_installs_a_checkout_in_one_step(tmp_path: Path) -> None:
    assert f"`{ONE_STEP}`" in README.read_text(encoding="utf-8")
    checkout = tmp_path / "mfa.aws"
    copy_collection(REPO_ROOT, checkout)
    shell = user_shell(tmp_path / "home")
    run(ONE_STEP, checkout, shell)
    assert installed_version(tmp_path / "home") == str(GALAXY["version"])


def test_the_readme_runs_an_example_playbook_with_what_it_reads() -> None:
    export, playbook_run = commands(README, "run-with-your-code")
    variable = re.fullmatch(r"export (\w+)=arn:aws:iam::[0-9]{12}:mfa/\S+", export.text)
    playbook = re.fullmatch(r"ansible-playbook (playbooks/\S+\.yml) -e mfa_code=[0-9]{6}", playbook_run.text)
    assert variable and playbook, (export.text, playbook_run.text)
    source = (REPO_ROOT / playbook[1]).read_text(encoding="utf-8")
    assert f"lookup('ansible.builtin.env', '{variable[1]}')" in source and "mfa_code" in source
