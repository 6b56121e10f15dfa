"""Where things are: the checkout, and the Python environment the tests run in."""

import sys
from pathlib import Path

#: The checkout, which is also the collection's root (galaxy.yml, plugins/, meta/ ...).
REPO_ROOT: Path = Path(__file__).resolve().parents[2]

#: The interpreter running pytest, i.e. the project's .venv under `make test`. Deliberately not
#: resolved: a venv's python is a symlink, and following it would leave the venv behind.
PYTHON: Path = Path(sys.executable)

#: The venv's bin directory; ansible-playbook and friends are installed beside PYTHON.
BIN_DIR: Path = PYTHON.parent


def ansible_command(tool: str) -> list[str]:
    """The argv prefix that runs an Ansible CLI (``ansible-playbook``, ``ansible-galaxy`` ...).

    The script is run through PYTHON rather than executed directly because its shebang holds the
    venv's absolute path, and Linux refuses shebangs longer than 127 bytes (deep checkouts).
    """
    script = BIN_DIR / tool
    if not script.is_file():
        raise FileNotFoundError(f"{script} not found: run the tests from the project's venv (`make test`)")
    return [str(PYTHON), str(script)]
