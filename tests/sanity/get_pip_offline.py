"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test builds each sanity-test venv without pip, then runs a bootstrap script as
``python SCRIPT [pip options] pip==X.Y [--no-setuptools] [--no-wheel]`` inside it. It downloads that
script from a host that is not reachable everywhere, unless ``~/.ansible/test/cache/get_pip_X_Y.py``
exists; tests/sanity/run_sanity.py installs this file there.

With uv at hand, uv installs the requested packages into the venv: about a second, where pip alone takes
several. run_sanity.py writes the uv's path into ``UV`` below when it copies this file, and the settings by
which uv reaches the package index into ``UV_ENVIRONMENT``, because ansible-test runs the script with an
environment of its own. Without uv, or if uv fails, it needs no download of its own: the interpreter's bundled
pip (ensurepip) is installed first, then upgraded to the requested packages from the package index that pip is
configured to use. Either way the venv ends with the pip release ansible-test asked for, which then installs
the sanity test's requirements as before.
"""

import os
import subprocess
import sys

#: The uv to install with, or None for pip alone.
UV = None
#: Environment variables uv reads (certificates, proxies, its own settings), from run_sanity.py's environment.
UV_ENVIRONMENT = {}

# Options of the real bootstrap script that `pip install` does not know.
BOOTSTRAP_ONLY_OPTIONS = frozenset({"--no-setuptools", "--no-wheel"})
# Options of pip that change nothing uv does here.
IGNORED_BY_UV = BOOTSTRAP_ONLY_OPTIONS | {"--disable-pip-version-check"}


def with_uv(uv: str, argv: list[str]) -> bool:
    """Installs the requested packages with uv; False when uv is not usable for these arguments, or failed."""
    options = [argument for argument in argv if argument.startswith("-")]
    packages = [argument for argument in argv if not argument.startswith("-")]
    if not packages or not set(options) <= IGNORED_BY_UV:
        return False
    # Compiled, as ensurepip and pip compile: ansible-test runs this pip several times, maybe with
    # PYTHONDONTWRITEBYTECODE set.
    command = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", sys.executable, *packages]
    environment = dict(os.environ, **UV_ENVIRONMENT, UV_PYTHON_DOWNLOADS="never")
    return subprocess.run(command, env=environment, check=False).returncode == 0


def main(argv: list[str]) -> int:
    if UV and os.access(UV, os.X_OK) and with_uv(UV, argv):
        return 0
    # In a subprocess: ensurepip run in-process points PIP_CONFIG_FILE at os.devnull for its own use,
    # and the later `pip install` would then lose the machine's pip settings (index, certificates).
    ensured = subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL, check=False)
    if ensured.returncode:
        return ensured.returncode
    arguments = [argument for argument in argv if argument not in BOOTSTRAP_ONLY_OPTIONS]
    return subprocess.run([sys.executable, "-m", "pip", "install", *arguments], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
