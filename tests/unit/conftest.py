"""Fixtures for the unit tests, which import the collection's code in-process (see tests/conftest.py).

- `home`: HOME is a directory of the test's own, and no XDG_RUNTIME_DIR: ~/.aws, the cache and the runtime
  directory (locks, the record of codes sent) are made there.
- `aws_files`: the shared config and credentials files are the test's own (empty until written), and no AWS_*
  variable comes in from outside; botocore's sessions and clients, kept per process, start afresh.

What every unit test shares: the password database's home follows HOME, which the tests point at tmp_path.

The collection keeps its lock and record of codes sent under the home the password database gives, never
$HOME; unit tests set HOME to a temporary directory, and this makes the database agree, so that nothing they
run touches the real home. Tests of that rule itself set the database's answer their own way.
"""

import os
import pwd
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from ansible_collections.mfa.aws.plugins.module_utils import _botocore_clients


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)  # as a real home directory: judged, and not writable by others
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return home


class AwsFiles(NamedTuple):
    config: Path
    credentials: Path

    def write(self, config: str = "", credentials: str = "") -> None:
        self.config.write_text(config, encoding="utf-8")
        self.credentials.write_text(credentials, encoding="utf-8")


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AwsFiles:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    files = AwsFiles(tmp_path / "aws-config", tmp_path / "aws-credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files.credentials))
    # Without credentials botocore would otherwise probe the EC2 metadata service on the network.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(_botocore_clients, "_SESSIONS", {})
    monkeypatch.setattr(_botocore_clients, "_CLIENTS", {})
    return files


def entry_with_home(entry: pwd.struct_passwd, home: str) -> pwd.struct_passwd:
    fields = list(entry)
    fields[5] = home  # pw_dir
    return pwd.struct_passwd(fields)


@pytest.fixture(autouse=True)
def account_home_follows_home(monkeypatch):
    real = pwd.getpwuid

    def getpwuid(uid):
        entry = real(uid)
        return entry_with_home(entry, os.environ.get("HOME", entry.pw_dir)) if uid == os.geteuid() else entry

    monkeypatch.setattr(pwd, "getpwuid", getpwuid)


@pytest.fixture
def reachable() -> Iterator[Path]:
    """A directory of root's that every user can reach (pytest's own are root's alone), removed after."""
    import shutil
    import tempfile

    base = tempfile.mkdtemp(prefix="mfa-aws-test-")
    os.chmod(base, 0o755)
    yield Path(base)
    shutil.rmtree(base)
