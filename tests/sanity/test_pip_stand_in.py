"""The pip bootstrap that run_sanity.py puts in ansible-test's cache: run as ansible-test runs it, in a venv
made without pip, it leaves the pip asked for, installed by uv when it names one and by pip when not."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.installer import find_uv
from tests.sanity import run_sanity

# What ansible-test 2.19 runs (python_requirements.py's bootstrap, then quiet_pip.py with GET_PIP set).
BOOTSTRAP_ARGUMENTS = ["--disable-pip-version-check", "pip==24.2", "--no-setuptools", "--no-wheel"]


def cached_stand_in(home: Path, monkeypatch: pytest.MonkeyPatch, uv: str | None) -> Path:
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(run_sanity, "bootstrap_pip_version", lambda: "24.2")
    run_sanity.install_pip_stand_in(uv)
    return home / ".ansible" / "test" / "cache" / "get_pip_24_2.py"


def bootstrap(script: Path, venv: Path) -> str:
    """Runs the script in a venv made as ansible-test makes it; the tool that installed the venv's pip."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(python), str(script), *BOOTSTRAP_ARGUMENTS],
        env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    version = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("pip 24.2 "), version.stdout
    (installer,) = (venv / "lib").glob("python3.*/site-packages/pip-24.2.dist-info/INSTALLER")
    return installer.read_text(encoding="utf-8").strip()


def test_with_uv_the_stand_in_installs_pip_with_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uv = find_uv()
    if uv is None:
        pytest.skip("uv could not be had on this machine")
    monkeypatch.setenv("UV_TEST_SETTING", "kept")
    script = cached_stand_in(tmp_path / "home", monkeypatch, uv)
    # Private, since the environment it carries may hold a password; and it names the uv and uv's settings.
    assert stat.S_IMODE(script.stat().st_mode) == 0o600
    text = script.read_text(encoding="utf-8")
    assert f"\nUV = {uv!r}\n" in text and "'UV_TEST_SETTING': 'kept'" in text
    assert bootstrap(script, tmp_path / "venv") == "uv"


def test_without_uv_pip_bootstraps_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = cached_stand_in(tmp_path / "home", monkeypatch, None)
    assert "\nUV = None\n" in script.read_text(encoding="utf-8")
    assert bootstrap(script, tmp_path / "venv") == "pip"


def test_another_bootstrap_script_is_left_alone_and_an_older_stand_in_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "home" / ".ansible" / "test" / "cache" / "get_pip_24_2.py"
    script.parent.mkdir(parents=True)
    script.write_text("# the real get-pip.py\n", encoding="utf-8")
    cached_stand_in(tmp_path / "home", monkeypatch, None)
    assert script.read_text(encoding="utf-8") == "# the real get-pip.py\n"
    script.write_text('"""Offline stand-in ... an older one."""\n', encoding="utf-8")
    cached_stand_in(tmp_path / "home", monkeypatch, None)
    assert script.read_text(encoding="utf-8") == run_sanity.STAND_IN.read_text(encoding="utf-8")
