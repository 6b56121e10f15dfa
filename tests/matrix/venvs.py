"""One venv per release of the matrix, kept between runs outside the checkout and rebuilt when missing.

A venv's directory name holds a hash of everything that decides its contents (the interpreter's exact
version, the ansible-core pin, the smoke requirements with every file they include), so a changed
requirement gets a new venv and an unchanged one is reused. A venv counts only once its stamp is
written: one left half-built by an interrupted run is removed and built again. tests/installer.py builds
them, with uv when it can be had.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests import installer
from tests.matrix.releases import Release

REPO = Path(__file__).resolve().parents[2]
SMOKE_REQUIREMENTS = REPO / "tests" / "requirements-smoke.txt"
STAMP = ".mfa-aws-requirements-installed"


def cache_root() -> Path:
    return installer.cache_root() / "venvs"


def interpreter(version: str) -> Path:
    """A CPython `version` ("3.12"): $MFA_AWS_PYTHON3_12 if set, else pyenv's, else pythonX.Y on PATH."""
    override = os.environ.get(f"MFA_AWS_PYTHON{version.replace('.', '_')}")
    candidates = [Path(override)] if override else []
    if shutil.which("pyenv"):
        prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True, check=False)
        if prefix.returncode == 0 and prefix.stdout.strip():
            candidates.append(Path(prefix.stdout.strip().splitlines()[-1]) / "bin" / "python3")
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        probe = subprocess.run(
            [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    variable = f"MFA_AWS_PYTHON{version.replace('.', '_')}"
    sys.exit(f"Python {version} was not found: install it (pyenv install {version}) or set {variable}")


def venv_key(python: Path, release: Release) -> str:
    exact = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    )
    material = "\n".join([exact.stdout.strip(), release.requirement, installer.expanded(SMOKE_REQUIREMENTS)])
    return hashlib.sha256(material.encode()).hexdigest()[:12]


def ensure_venv(release: Release) -> Path:
    """The release's venv, built first if this machine has none for the current requirements; its python."""
    python = interpreter(release.python)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / f"ansible-core-{release.core}-py{release.python}-{venv_key(python, release)}"
    # Two runs on one machine (two checkouts, say) build a venv once: the second waits for the first.
    with open(root / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / STAMP).is_file():
            # Not compiled ahead: `make` lets the smoke suite's processes keep the bytecode of what they import.
            installer.build_venv(
                venv, [release.requirement, "-r", str(SMOKE_REQUIREMENTS)], python=str(python), compile_bytecode=False
            )
            (venv / STAMP).write_text(release.requirement + "\n", encoding="utf-8")
    return venv / "bin" / "python"
