"""`ansible-galaxy collection build` makes a tarball with the collection and none of the clutter."""

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import yaml

from tests.harness import AnsibleRunner
from tests.harness.paths import REPO_ROOT

GALAXY = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))
TARBALL = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"

REQUIRED = (
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "docs/guide.md",
    "bin/mfa-aws-credentials",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "meta/ee-requirements.txt",
    "plugins/modules/sts_mfa_session.py",
    "plugins/modules/sts_mfa_assume_role.py",
    "plugins/modules/s3_bucket_list.py",
    "plugins/action/sts_mfa_session.py",
    "plugins/lookup/mfa_assume_role.py",
    "plugins/module_utils/_sts/exchange.py",
    "plugins/doc_fragments/connection.py",
    "changelogs/config.yaml",
    "changelogs/changelog.yaml",
    "CHANGELOG.rst",
)

# Local clutter a checkout may hold, one file each, and what must keep it out of the tarball.
CLUTTER = (
    ".venv/bin/python",
    ".git/HEAD",
    ".ansible/collections/readme.txt",
    ".pytest_cache/v/cache/lastfailed",
    "tests/.pytest_cache/README.md",
    ".ruff_cache/0.17.0/cache",
    ".hypothesis/examples/x",
    ".ci/run",
    "plugins/modules/__pycache__/sts_mfa_session.cpython-311.pyc",
    "tests/output/junit/sanity.xml",
    "benchmarks/results/run.json",
    ".emulator-state-1234.json",
    "mfa-aws-0.0.9.tar.gz",
    "build/old.tar.gz",
    "changelogs/.plugin-cache.yaml",
)


def build(ansible: AnsibleRunner, source: Path, output: Path) -> list[str]:
    output.mkdir()
    result = ansible.run_cli("ansible-galaxy", "collection", "build", str(source), "--output-path", str(output))
    assert result.rc == 0, result.describe("ansible-galaxy collection build failed")
    with tarfile.open(output / TARBALL) as tarball:
        return tarball.getnames()


def shown(names: list[str], limit: int = 20) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def is_clutter(name: str) -> bool:
    parts = name.split("/")
    return (
        parts[0] in {".venv", ".git", ".ansible", ".ci", ".pytest_cache", ".ruff_cache", ".hypothesis", "build"}
        or "__pycache__" in parts
        or ".pytest_cache" in parts
        or name.endswith((".pyc", ".tar.gz"))
        or name.startswith(("tests/output", "benchmarks/results", ".emulator-state", "changelogs/.plugin-cache"))
    )


def test_the_checkout_builds_a_clean_tarball(ansible: AnsibleRunner, tmp_path: Path) -> None:
    names = build(ansible, REPO_ROOT, tmp_path / "dist")
    missing = [name for name in REQUIRED if name not in names]
    assert not missing, f"missing from {TARBALL}: {missing}"
    clutter = [name for name in names if is_clutter(name)]
    assert not clutter, f"clutter in {TARBALL}: {shown(clutter)}"


def test_build_ignore_keeps_every_kind_of_clutter_out(ansible: AnsibleRunner, tmp_path: Path) -> None:
    # A copy of the checkout with every kind of clutter planted, so the check holds whatever the
    # checkout running the tests happens to contain.
    source = tmp_path / "checkout"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        if (REPO_ROOT / relative).is_file():
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO_ROOT / relative, source / relative)
    for relative in CLUTTER:
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text("clutter\n", encoding="utf-8")

    names = build(ansible, source, tmp_path / "dist")
    assert "plugins/modules/sts_mfa_session.py" in names
    leaked = [name for name in names if is_clutter(name)]
    assert not leaked, f"build_ignore let these into {TARBALL}: {shown(leaked)}"
    # FILES.json is what `ansible-galaxy collection verify` checks installs against.
    with tarfile.open(tmp_path / "dist" / TARBALL) as tarball:
        files = json.load(tarball.extractfile("FILES.json"))["files"]
    assert not [entry["name"] for entry in files if is_clutter(entry["name"])]
