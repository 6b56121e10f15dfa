"""What every unit test shares: the password database's home follows HOME, which the tests point at tmp_path.

The collection keeps its lock and record of codes sent under the home the password database gives, never
$HOME; unit tests set HOME to a temporary directory, and this makes the database agree, so that nothing they
run touches the real home. Tests of that rule itself set the database's answer their own way.
"""

import os
import pwd

import pytest


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
