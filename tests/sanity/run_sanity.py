"""Run `ansible-test sanity` on the collection, without docker and without a network beyond PyPI.

ansible-test only runs from a tree laid out as .../ansible_collections/NAMESPACE/NAME, so the
collection's files (those git tracks, and untracked ones git does not ignore) are copied into such a
tree in a temporary directory first; local clutter (.venv, caches, test output) never gets there.

    python tests/sanity/run_sanity.py                   # every sanity test, on this script's Python
    python tests/sanity/run_sanity.py --test validate-modules --test pylint
    python tests/sanity/run_sanity.py --keep            # leave the temporary tree for inspection

Any argument other than --keep goes to `ansible-test sanity` as is. ansible-test must be installed
beside the Python that runs this script (requirements-dev.txt installs it, with ansible-core).

ansible-test makes a venv for each sanity test that needs packages (kept in ~/.ansible/test/venv, keyed by
its requirements) and one it runs itself in (in the tree, so made again every run), and bootstraps pip into
each with a script it would download: get_pip_offline.py stands in for it, and uses uv (tests/installer.py
finds it) to install that pip in about a second where pip alone takes several. That bootstrap was nearly
half of a cold run's CPU time; pylint is most of what remains.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    # For tests.installer, when this file is run as a script.
    sys.path.insert(0, str(REPO))

from tests.installer import find_uv  # noqa: E402

NAMESPACE, NAME = "mfa", "aws"
# The Python running this script: ansible-core 2.20 and later need 3.12 or newer, so each release of
# the matrix (tests/matrix/) checks with its own venv's interpreter.
PYTHON_VERSION = "{}.{}".format(*sys.version_info[:2])
STAND_IN = Path(__file__).with_name("get_pip_offline.py")
# Sanity tests that ansible-test ran until 2.16 and dropped in 2.17: they ask for `from __future__` and
# `__metaclass__` lines that Python 3 only code has no use for, and the collection has none.
DROPPED_IN_2_17 = ("future-import-boilerplate", "metaclass-boilerplate")
# What tells uv how to reach the package index (certificates, proxies, its own settings): ansible-test runs the
# stand-in with an environment of its own, without them.
UV_SETTINGS = (
    "UV_",
    "SSL_CERT_",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)
# The pip release ansible-test bootstraps into its venvs, when its source can't be read.
DEFAULT_PIP_VERSION = "24.2"


def collection_files(repo: Path) -> list[str]:
    """Paths, relative to the repo, of the files git tracks or would track (not ignored)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.decode()
    # --cached also lists files deleted from the work tree but not yet from the index.
    return sorted({path for path in listing.split("\0") if path and os.path.lexists(repo / path)})


def copy_collection(repo: Path, destination: Path) -> None:
    for relative in collection_files(repo):
        source, target = repo / relative, destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)


def ansible_test_executable() -> Path:
    candidate = Path(sys.executable).parent / "ansible-test"
    if candidate.exists():
        return candidate
    found = shutil.which("ansible-test")
    if not found:
        sys.exit("ansible-test was not found: install requirements-dev.txt (ansible-core) into this Python's venv")
    return Path(found)


def bootstrap_pip_version() -> str:
    """The pip version whose bootstrap script ansible-test looks for in its cache."""
    try:
        import ansible_test
    except ImportError:
        return DEFAULT_PIP_VERSION
    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    try:
        match = re.search(r"\bpip=['\"]([0-9.]+)['\"]", source.read_text())
    except OSError:
        return DEFAULT_PIP_VERSION
    return match.group(1) if match else DEFAULT_PIP_VERSION


def install_pip_stand_in(uv: str | None) -> None:
    """Put the offline bootstrap script where ansible-test looks before it tries to download one.

    ansible-test passes the script no environment of ours, so the uv it may use is written into the copy.
    A script already there is left alone, unless it is a copy of this stand-in (older, or naming another uv).
    """
    version = bootstrap_pip_version().replace(".", "_")
    cached = Path("~/.ansible/test/cache").expanduser() / f"get_pip_{version}.py"
    reaching = {name: value for name, value in sorted(os.environ.items()) if name.startswith(UV_SETTINGS)} if uv else {}
    wanted = (
        STAND_IN.read_text(encoding="utf-8")
        .replace("\nUV = None\n", f"\nUV = {uv!r}\n", 1)
        .replace("\nUV_ENVIRONMENT = {}\n", f"\nUV_ENVIRONMENT = {reaching!r}\n", 1)
    )
    if cached.exists():
        present = cached.read_text(encoding="utf-8")
        if present == wanted or "Offline stand-in" not in present:
            return
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(f"{cached.name}.{os.getpid()}")
    # Private: an index URL or a proxy in the environment may carry a password.
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        handle.write(wanted)
    # Atomic: a sanity run on this machine at the same moment reads one whole script or the other.
    temporary.replace(cached)


def skipped_tests() -> list[str]:
    """--skip-test arguments for the sanity tests this ansible-core runs that later releases dropped."""
    from ansible.release import __version__

    major, minor = (int(part) for part in __version__.split(".")[:2])
    if (major, minor) >= (2, 17):
        return []
    return [argument for test in DROPPED_IN_2_17 for argument in ("--skip-test", test)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary collection tree")
    options, passthrough = parser.parse_known_args(argv)

    # ansible-test bootstraps pip into every venv it makes (one per sanity test, and one it runs itself in,
    # every run): with uv the stand-in does that in about a second instead of several.
    install_pip_stand_in(find_uv())
    temporary = Path(tempfile.mkdtemp(prefix="mfa-aws-sanity-"))
    tree = temporary / "ansible_collections" / NAMESPACE / NAME
    try:
        copy_collection(REPO, tree)
        command = [
            str(ansible_test_executable()),
            "sanity",
            "--venv",
            "--python",
            PYTHON_VERSION,
            "--color",
            "no",
            *skipped_tests(),
            *passthrough,
        ]
        print(f"==> {' '.join(command)}  (in {tree})", flush=True)
        # ansible-test finds the collection from its working directory; the venv's bin goes first on
        # PATH so the tools it starts are those of the same ansible-core.
        environment = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        return subprocess.run(command, cwd=tree, env=environment, check=False).returncode
    finally:
        if options.keep:
            print(f"==> collection tree kept in {tree}")
        else:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
