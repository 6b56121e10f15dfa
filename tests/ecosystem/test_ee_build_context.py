"""`ansible-builder create` on docs/awx.md's execution environment gives a context whose Python
requirements install with pip: the image build's steps, run here without a container runtime."""

import subprocess
import sys
from pathlib import Path

import yaml
from packaging.version import Version

from tests.harness import AnsibleRunner
from tests.harness.paths import REPO_ROOT
from tests.runner.awx import doc_block

MIN_BOTOCORE = Version("1.35.42")


def build_tarball(ansible: AnsibleRunner, output: Path) -> Path:
    result = ansible.run_cli("ansible-galaxy", "collection", "build", str(REPO_ROOT), "--output-path", str(output))
    assert result.rc == 0, result.describe("ansible-galaxy collection build failed")
    (tarball,) = output.glob("*.tar.gz")
    return tarball


def test_the_build_context_installs_into_a_fresh_venv(ansible: AnsibleRunner, tmp_path: Path) -> None:
    definition = doc_block("awx-execution-environment")
    # The published definition installs the collection from git; here it comes from this checkout.
    definition["dependencies"]["galaxy"] = {
        "collections": [{"name": str(build_tarball(ansible, tmp_path / "dist")), "type": "file"}]
    }
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump(definition), encoding="utf-8")
    context = tmp_path / "context"
    created = ansible.run_cli(
        "ansible-builder", "create", "-f", str(tmp_path / "execution-environment.yml"), "-c", str(context)
    )
    assert created.rc == 0, created.describe("ansible-builder create failed")
    build = context / "_build"

    # The galaxy stage of the Containerfile: the collections the context asks for.
    collections = tmp_path / "collections"
    # --force: the test sandbox's collections path already holds mfa.aws, which galaxy would call done.
    installed = ansible.run_cli(
        "ansible-galaxy",
        "collection",
        "install",
        "--force",
        "-r",
        str(build / "requirements.yml"),
        "-p",
        str(collections),
    )
    assert installed.rc == 0, installed.describe("ansible-galaxy collection install failed")

    # The builder stage: the context's own introspect script lists every collection's Python needs.
    requirements = tmp_path / "requirements.txt"
    subprocess.run(
        [
            sys.executable,
            str(build / "scripts" / "introspect.py"),
            "introspect",
            str(collections),
            "--write-pip",
            str(requirements),
        ],
        check=True,
        capture_output=True,
    )
    listed = requirements.read_text(encoding="utf-8")
    assert "boto3" in listed and "botocore" in listed, listed

    # Installed as the project's venvs are (uv where it can be had, else pip): what is checked is what the
    # requirements resolve to, and uv resolves them in a fraction of pip's time.
    venv = tmp_path / "venv"
    installed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tests" / "installer.py"), str(venv), "--no-compile", "-r", str(requirements)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import botocore; print(botocore.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Version(version) >= MIN_BOTOCORE
