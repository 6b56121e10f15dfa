"""A test's private world on disk, and the environment that confines ansible-playbook to it.

Nothing is inherited from the developer's environment: a stray AWS_PROFILE, AWS_* key, proxy or
ANSIBLE_* setting would otherwise change what a test sees, and HOME pointing at the real home
would let a test read (or overwrite) the developer's ~/.aws and ~/.ansible.
"""

import atexit
import functools
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.harness.ansible_cfg import render_ansible_cfg
from tests.harness.collection import CollectionTree
from tests.harness.paths import BIN_DIR

#: Directories searched after the venv's bin for the few external tools a playbook may run.
SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")

#: Environment variable naming the per-run directory where playbooks drop JSON for PlaybookResult.json().
RESULTS_ENV = "MFA_AWS_TEST_RESULTS"

#: Holds the sitecustomize that makes the password database give a run the sandbox's home (see its docstring).
PASSWD_SHIM = Path(__file__).resolve().parent / "passwd"
PASSWD_HOME_ENV = "MFA_AWS_TEST_PASSWD_HOME"


def account_home_env(home: Path, pythonpath: str | None = None) -> dict[str, str]:
    """The variables that make every Python process of a run see `home` as the user's home in the password
    database, where the collection keeps its lock and its record of codes sent; `pythonpath` is kept first."""
    return {
        "PYTHONPATH": ":".join(part for part in (pythonpath, str(PASSWD_SHIM)) if part),
        PASSWD_HOME_ENV: str(home),
    }


@dataclass(frozen=True)
class Sandbox:
    root: Path
    home: Path
    ansible_cfg: Path
    ansible_home: Path
    local_tmp: Path
    remote_tmp: Path
    tmp: Path
    #: One numbered subdirectory per ansible-playbook run (playbook, vars, results).
    runs: Path

    @property
    def aws_dir(self) -> Path:
        return self.home / ".aws"

    @property
    def aws_config_file(self) -> Path:
        return self.aws_dir / "config"

    @property
    def aws_credentials_file(self) -> Path:
        return self.aws_dir / "credentials"

    @property
    def cli_cache(self) -> Path:
        """The default cache_dir as the runs see it: the AWS CLI's cache in the sandbox's home."""
        return self.aws_dir / "cli" / "cache"

    def cached_secrets(self) -> set[str]:
        """Every secret key and session token the runs cached there: what must never show in their output."""
        secrets: set[str] = set()
        for path in self.cli_cache.glob("*.json"):
            entry = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(entry, dict) and isinstance(entry.get("Credentials"), dict):
                secrets |= {entry["Credentials"]["SecretAccessKey"], entry["Credentials"]["SessionToken"]}
        return secrets


@functools.cache
def _short_temporary_root() -> Path:
    """A directory of this process's under the system's temporary directory, removed when it exits.

    TMPDIR must stay short: ansible-core 2.20 and later start a multiprocessing manager whose Unix
    socket is created under it, and a socket's path is limited to 107 bytes, which pytest's tmp_path
    for a long test name already nearly fills ("Local RPC server did not start").
    """
    root = Path(tempfile.mkdtemp(prefix="mfa-aws-tmp-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def make_sandbox(root: Path) -> Sandbox:
    """Create the directories and ansible.cfg under root (which may already exist)."""
    home = root / "home"
    sandbox = Sandbox(
        root=root,
        home=home,
        ansible_cfg=root / "ansible.cfg",
        ansible_home=home / ".ansible",
        local_tmp=root / "ansible-tmp" / "local",
        remote_tmp=root / "ansible-tmp" / "remote",
        tmp=Path(tempfile.mkdtemp(dir=_short_temporary_root())),
        runs=root / "runs",
    )
    for directory in (sandbox.aws_dir, sandbox.ansible_home, sandbox.local_tmp, sandbox.remote_tmp, sandbox.tmp):
        directory.mkdir(parents=True, exist_ok=True)
    sandbox.runs.mkdir(parents=True, exist_ok=True)
    sandbox.ansible_cfg.write_text(
        render_ansible_cfg(local_tmp=sandbox.local_tmp, remote_tmp=sandbox.remote_tmp), encoding="utf-8"
    )
    return sandbox


def sandbox_env(sandbox: Sandbox, collections: CollectionTree) -> dict[str, str]:
    """The complete environment for a run, built from nothing."""
    return {
        "PATH": ":".join((str(BIN_DIR), *SYSTEM_PATH)),
        # Ansible refuses to start without a UTF-8 locale; C.UTF-8 exists on every glibc system.
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(sandbox.home),
        "TMPDIR": str(sandbox.tmp),
        "ANSIBLE_CONFIG": str(sandbox.ansible_cfg),
        "ANSIBLE_HOME": str(sandbox.ansible_home),
        "ANSIBLE_COLLECTIONS_PATH": str(collections.root),
        "ANSIBLE_LOCAL_TEMP": str(sandbox.local_tmp),
        "ANSIBLE_REMOTE_TEMP": str(sandbox.remote_tmp),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "AWS_CONFIG_FILE": str(sandbox.aws_config_file),
        "AWS_SHARED_CREDENTIALS_FILE": str(sandbox.aws_credentials_file),
        # Without credentials botocore would otherwise probe the EC2 metadata service on the network.
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONUNBUFFERED": "1",
        **bytecode_env(),
        **account_home_env(sandbox.home),
    }


def bytecode_env() -> dict[str, str]:
    """PYTHONDONTWRITEBYTECODE as the tests were given it: unset (`make` unsets it), a run's Python keeps the
    bytecode of what it imports, so the venvs need not be compiled ahead and only what runs is ever compiled. The
    mutation runner sets it: there a mutant could otherwise run from the bytecode of the last one."""
    value = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return {} if value is None else {"PYTHONDONTWRITEBYTECODE": value}
