"""tests/installer.py builds a venv with uv, falls back to pip when uv fails, and never empties a linked venv.

Offline: what it installs is a one-module wheel made here, found with --no-index --find-links.
"""

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests import installer

NAME, VERSION = "mfa_aws_tiny", "1.0"


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    directory = tmp_path / "wheels"
    directory.mkdir()
    dist = f"{NAME}-{VERSION}.dist-info"
    files = {
        f"{NAME}.py": "VALUE = 42\n",
        "ansible_collections/mfa_aws_tiny/__init__.py": "",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(directory / f"{NAME}-{VERSION}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)
        wheel.writestr(f"{dist}/RECORD", "".join(f"{path},,\n" for path in [*files, f"{dist}/RECORD"]))
    return directory


@pytest.fixture
def broken_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A uv first on PATH that answers --version and fails everything else."""
    directory = tmp_path / "broken-uv"
    directory.mkdir()
    uv = directory / "uv"
    uv.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "uv 0.0.0" && exit 0\necho "uv: broken" >&2\nexit 2\n')
    uv.chmod(0o755)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")


def install(wheels: Path) -> list[str]:
    return ["--no-index", "--find-links", str(wheels), NAME]


def compiled(venv: Path) -> set[str]:
    """Which of the wheel's two modules have bytecode."""
    (site_packages,) = (venv / "lib").glob("python3*/site-packages")
    modules = {NAME: site_packages, "ansible_collections": site_packages / "ansible_collections" / NAME}
    stems = {NAME: NAME, "ansible_collections": "__init__"}
    return {name for name, folder in modules.items() if list(folder.glob(f"__pycache__/{stems[name]}.*.pyc"))}


def imports(venv: Path) -> bool:
    probe = [str(venv / "bin" / "python"), "-c", f"import {NAME}; assert {NAME}.VALUE == 42"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def test_uv_builds_the_venv(tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(installer.ENVIRONMENT_CHOICE, raising=False)
    if installer.find_uv() is None:
        pytest.skip("uv could not be had on this machine")
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "left-over").write_text("from an older build")
    assert installer.build_venv(venv, install(wheels)) == "uv"
    assert imports(venv) and not (venv / "left-over").exists()
    # Compiled ahead, as pip would, but for the collections of the `ansible` package.
    assert compiled(venv) == {NAME}


def test_bytecode_can_be_left_to_python(tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(installer.ENVIRONMENT_CHOICE, raising=False)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    venv = tmp_path / "venv"
    installer.build_venv(venv, install(wheels), compile_bytecode=False)
    assert imports(venv) and compiled(venv) == set()


def test_pip_builds_the_venv_when_uv_fails(
    tmp_path: Path, wheels: Path, broken_uv: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(installer.ENVIRONMENT_CHOICE, raising=False)
    venv = tmp_path / "venv"
    assert installer.build_venv(venv, install(wheels)) == "pip"
    assert imports(venv) and compiled(venv) == {NAME}
    assert (
        f"==> uv could not build {venv} (its output is above): building it with pip instead" in capsys.readouterr().out
    )


def test_uv_alone_when_asked_fails_in_one_line(
    tmp_path: Path, wheels: Path, broken_uv: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(installer.ENVIRONMENT_CHOICE, "uv")
    venv = tmp_path / "venv"
    with pytest.raises(SystemExit, match=f"uv could not build {venv} .*MFA_AWS_INSTALLER=uv"):
        installer.build_venv(venv, install(wheels))
    assert not venv.exists()


def test_pip_alone_when_asked(tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(installer.ENVIRONMENT_CHOICE, "pip")
    assert installer.find_uv() is None
    venv = tmp_path / "venv"
    assert installer.build_venv(venv, install(wheels)) == "pip"
    assert imports(venv)


def test_a_linked_venv_is_never_emptied(tmp_path: Path, wheels: Path) -> None:
    shared = tmp_path / "shared-venv"
    shared.mkdir()
    (shared / "kept").write_text("another checkout's venv")
    link = tmp_path / ".venv"
    link.symlink_to(shared)
    with pytest.raises(SystemExit, match=r"is a symbolic link to .*not rebuilding what it points at"):
        installer.build_venv(link, install(wheels))
    assert (shared / "kept").read_text() == "another checkout's venv"


def test_it_says_what_a_requirements_file_brings(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("boto3>=1.35.42  # the SDK\n\npyotp>=2.9\n")
    (tmp_path / "top.txt").write_text("-r base.txt\nmoto[server]>=5.2,<5.3\n")
    described = installer.describe(["-r", str(tmp_path / "top.txt"), "ansible-core==2.16.19"])
    assert described == f"{tmp_path / 'top.txt'} (boto3, pyotp, moto[server]) ansible-core==2.16.19"
