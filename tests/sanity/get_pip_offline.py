"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test builds each sanity-test venv without pip, then runs a bootstrap script as
``python SCRIPT [pip options] pip==X.Y [--no-setuptools] [--no-wheel]`` inside it. It downloads that
script from a host that is not reachable everywhere, unless ``~/.ansible/test/cache/get_pip_X_Y.py``
exists; tests/sanity/run_sanity.py installs this file there. It needs no download of its own: the
interpreter's bundled pip (ensurepip) is installed first, then upgraded to the requested packages
from the package index that pip is configured to use.
"""

import subprocess
import sys

# Options of the real bootstrap script that `pip install` does not know.
BOOTSTRAP_ONLY_OPTIONS = frozenset({"--no-setuptools", "--no-wheel"})


def main(argv: list[str]) -> int:
    # In a subprocess: ensurepip run in-process points PIP_CONFIG_FILE at os.devnull for its own use,
    # and the later `pip install` would then lose the machine's pip settings (index, certificates).
    ensured = subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL, check=False)
    if ensured.returncode:
        return ensured.returncode
    arguments = [argument for argument in argv if argument not in BOOTSTRAP_ONLY_OPTIONS]
    return subprocess.run([sys.executable, "-m", "pip", "install", *arguments], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
