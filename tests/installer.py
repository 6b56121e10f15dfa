"""Build a venv from requirements: with uv when it can be had, else with the interpreter's venv module and pip.

    python3 tests/installer.py .venv -r requirements-dev.txt             # what `make venv` runs
    python3 tests/installer.py .venv-demo -r requirements-demo.txt --progress

uv comes from PyPI like every other package: the `uv` on PATH if there is one, else a pinned release that
pip installs once per machine into ~/.cache/mfa-aws/uv/ (the running Python's pip, or a small venv's when that
Python has none). When uv cannot be had, or fails to build the venv, pip builds it from scratch instead, so a
machine that reaches PyPI only through pip's configuration still gets there. `MFA_AWS_INSTALLER=pip` forces
pip (to compare the two, or when uv misbehaves); `MFA_AWS_INSTALLER=uv` forbids the fallback.

Stdlib only: it runs before any venv exists, under `make` and under tests/matrix/.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

#: The uv release installed when none is on PATH: a pin, so every machine builds venvs with the same tool.
UV_VERSION = "0.13.9"
ENVIRONMENT_CHOICE = "MFA_AWS_INSTALLER"
#: What uv prints that says where it is; its list of installed packages (" + name==version") is left out.
_UV_PROGRESS = re.compile(r"^(Resolved|Prepared|Installed|Uninstalled|Audited) ")
#: What is not compiled ahead, since nothing here imports it in one process after another: the `ansible`
#: package's collections (15,000 modules, most of .venv's; their modules run from AnsiballZ payloads, which carry
#: source), and sympy, networkx and mpmath (3,000 more, for cfn-lint, which moto's server never loads). Python
#: still compiles any of them that is imported.
NOT_COMPILED = r"/site-packages/(ansible_collections|sympy|networkx|mpmath)/"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mfa-aws"


def expanded(path: Path) -> str:
    """The requirements file with every `-r` include inlined, as pip reads it (includes are file-relative)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("-r "):
            lines.append(expanded((path.parent / stripped[3:].strip()).resolve()))
        elif stripped:
            lines.append(stripped)
    return "\n".join(lines)


def describe(install: Sequence[str]) -> str:
    """What `install` brings, for a person: each requirements file with the projects it names, and packages."""
    words, arguments = [], iter(install)
    for argument in arguments:
        if argument == "-r":
            path = Path(next(arguments))
            try:
                lines = expanded(path).splitlines()
            except OSError:
                # The installer's own error says what is wrong with the file.
                words.append(str(path))
                continue
            names = dict.fromkeys(re.split(r"[\s<>=!~;,]", line, maxsplit=1)[0] for line in lines)
            words.append(f"{path} ({', '.join(names)})")
        else:
            words.append(argument)
    return " ".join(words)


def _say(text: str) -> None:
    print(text, flush=True)


def _works(uv: str) -> bool:
    try:
        probe = subprocess.run([uv, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return False
    return probe.returncode == 0 and probe.stdout.startswith("uv ")


def _pip_install_uv(target: Path) -> Path | None:
    """The uv binary, installed from PyPI by pip into `target`; None if that failed."""
    environment = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore")
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        if importlib.util.find_spec("pip") is not None:
            command = [sys.executable, "-m", "pip", "install", "-qq", "--target", str(staging), f"uv=={UV_VERSION}"]
        else:
            # No pip beside this Python (a distribution's python3 without python3-pip): a small venv has one.
            if subprocess.run([sys.executable, "-m", "venv", str(staging)], check=False).returncode:
                return None
            command = [str(staging / "bin" / "python"), "-m", "pip", "install", "-qq", f"uv=={UV_VERSION}"]
        # Both put the binary in bin/: pip's --target installs a wheel's scripts there too.
        binary = staging / "bin" / "uv"
        if subprocess.run(command, env=environment, check=False).returncode or not _works(str(binary)):
            return None
        staging.rename(target)
        staging = target
        return target / "bin" / "uv"
    finally:
        if staging != target:
            shutil.rmtree(staging, ignore_errors=True)


def find_uv() -> str | None:
    """A working uv: the one on PATH, else the pinned release from PyPI (installed here once); else None."""
    if os.environ.get(ENVIRONMENT_CHOICE) == "pip":
        return None
    on_path = shutil.which("uv")
    if on_path and _works(on_path):
        return on_path
    root = cache_root() / "uv"
    target = root / UV_VERSION
    binary = target / "bin" / "uv"
    if binary.is_file() and _works(str(binary)):
        return str(binary)
    root.mkdir(parents=True, exist_ok=True)
    # Two builds at once (make and the matrix, two checkouts) install uv once: the second waits.
    with open(root / f"{UV_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.is_file() and _works(str(binary)):
            return str(binary)
        shutil.rmtree(target, ignore_errors=True)
        _say(f"==> installing uv {UV_VERSION} from PyPI into {target} (once per machine)")
        installed = _pip_install_uv(target)
    if installed is None:
        _say(f"==> uv {UV_VERSION} could not be installed: pip builds the venvs instead")
        return None
    return str(installed)


def _remove(venv: Path) -> None:
    if venv.is_symlink():
        # Never empty what a link points at (a venv shared between checkouts, say).
        raise SystemExit(
            f"{venv} is a symbolic link to {os.readlink(venv)}: not rebuilding what it points at. "
            f"Remove the link to get a venv of this checkout's own."
        )
    shutil.rmtree(venv, ignore_errors=True)


def _run_uv(command: list[str], progress: bool) -> int:
    """Runs uv, passing on its summary lines (resolved, prepared, installed) when `progress` is asked for."""
    # The interpreter is always named by path: uv must not fetch one of its own.
    environment = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    if not progress:
        return subprocess.run([*command, "--quiet"], env=environment, check=False).returncode
    process = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    kept: list[str] = []
    for line in process.stderr:
        kept.append(line)
        if _UV_PROGRESS.match(line):
            _say(f"    {line.rstrip()}")
    returncode = process.wait()
    if returncode:
        # Everything uv said, so its reason is seen.
        sys.stderr.write("".join(kept))
    return returncode


def _with_uv(uv: str, python: str, venv: Path, install: Sequence[str], progress: bool) -> bool:
    _remove(venv)
    if _run_uv([uv, "venv", "--python", python, str(venv)], progress=False):
        return False
    return not _run_uv([uv, "pip", "install", "--python", str(venv / "bin" / "python"), *install], progress)


def _with_pip(python: str, venv: Path, install: Sequence[str], progress: bool) -> bool:
    _remove(venv)
    if subprocess.run([python, "-m", "venv", str(venv)], check=False).returncode:
        return False
    # compile_venv does what pip would compile, less what is never imported.
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-compile"]
    if not progress:
        # -qq hides per-package warnings and progress bars that bury the test output; errors still print.
        return not subprocess.run([*pip, "-qq", *install], check=False).returncode
    # One line per package pip collects, so a slow install is seen to move.
    process = subprocess.Popen([*pip, *install], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    kept: list[str] = []
    for line in process.stdout:
        kept.append(line)
        if line.startswith("Collecting "):
            _say(f"    {line.rstrip()}")
    if process.wait():
        sys.stderr.write("".join(kept[-40:]))
        return False
    return True


def compile_venv(venv: Path, progress: bool = False) -> None:
    """Compiles the venv's modules to bytecode, as pip does when it installs them, less NOT_COMPILED; what is
    compiled already and unchanged is left as it is.

    Python would compile a module when first imported and keep the result, but not where PYTHONDONTWRITEBYTECODE
    is set (CI machines often set it): there every process, each ansible-playbook run, would compile anew. `make`
    unsets it, and builds its venvs with --no-compile: compiling all of .venv took 45 to 60 CPU-seconds, most of
    it for modules no test imports.
    """
    started = time.monotonic()
    (site_packages,) = (venv / "lib").glob("python3*/site-packages")
    command = [
        str(venv / "bin" / "python"),
        "-m",
        "compileall",
        "-qq",
        "-j",
        "0",
        "-x",
        NOT_COMPILED,
        str(site_packages),
    ]
    # A module that does not compile (a Python 2 leftover in some package) fails nothing, as with pip.
    subprocess.run(command, check=False)
    if progress:
        _say(f"    Compiled bytecode in {time.monotonic() - started:.1f}s")


def build_venv(
    venv: Path,
    install: Sequence[str],
    python: str = sys.executable,
    progress: bool = False,
    compile_bytecode: bool = True,
) -> str:
    """Makes `venv` afresh with `python`, installs `install` (pip install's arguments) into it, and compiles
    its modules to bytecode unless `compile_bytecode` is false (then Python compiles them as they are first imported).

    Returns the tool that built it ("uv" or "pip"); exits with one line when neither could.
    """
    python = _real_interpreter(python)
    uv = find_uv()
    if uv is None and os.environ.get(ENVIRONMENT_CHOICE) == "uv":
        raise SystemExit(f"uv could not be had (see above), and {ENVIRONMENT_CHOICE}=uv")
    started = time.monotonic()
    if uv is not None:
        _say(f"==> {venv}: installing {describe(install)} with uv")
        if _with_uv(uv, python, venv, install, progress):
            if compile_bytecode:
                compile_venv(venv, progress)
            _say(f"==> {venv} ready ({time.monotonic() - started:.0f} s)")
            return "uv"
        if os.environ.get(ENVIRONMENT_CHOICE) == "uv":
            _remove(venv)
            raise SystemExit(f"uv could not build {venv} (its output is above), and {ENVIRONMENT_CHOICE}=uv")
        _say(f"==> uv could not build {venv} (its output is above): building it with pip instead")
        started = time.monotonic()
    else:
        _say(f"==> {venv}: installing {describe(install)} with pip")
    if not _with_pip(python, venv, install, progress):
        _remove(venv)
        raise SystemExit(f"pip could not build {venv} (its output is above)")
    if compile_bytecode:
        compile_venv(venv, progress)
    _say(f"==> {venv} ready ({time.monotonic() - started:.0f} s)")
    return "pip"


def _real_interpreter(python: str) -> str:
    """The interpreter `python` runs, by path: a pyenv shim or a bare name would leave uv to pick its own."""
    found = shutil.which(python) or python
    probe = subprocess.run(
        [found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True, check=False
    )
    if probe.returncode or not probe.stdout.strip():
        raise SystemExit(f"{python} does not run: set PYTHON to a Python 3.11 or newer")
    return probe.stdout.strip()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("venv", type=Path, help="the venv to make afresh")
    parser.add_argument("--python", default=sys.executable, help="the interpreter it is made with (default: this one)")
    parser.add_argument("--progress", action="store_true", help="one line per step of the install, not only errors")
    parser.add_argument(
        "--no-compile", dest="compile", action="store_false", help="leave bytecode to Python, as modules are imported"
    )
    parser.add_argument(
        "-r", dest="requirements", action="append", default=[], metavar="FILE", help="a requirements file"
    )
    options, packages = parser.parse_known_args(argv)
    install = [argument for path in options.requirements for argument in ("-r", path)] + packages
    if not install:
        parser.error("nothing to install: give -r FILE or packages")
    build_venv(
        options.venv, install, python=options.python, progress=options.progress, compile_bytecode=options.compile
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
