"""For the test runs only: the password database gives the user running the tests the sandbox's home.

The collection keeps its lock and its record of codes sent under the home directory the password database
gives (pwd.getpwuid), never $HOME, so that one user has one of each however a process was started. Each
test's runs must still keep theirs in the test's sandbox, as nss_wrapper would arrange in C: when
MFA_AWS_TEST_PASSWD_HOME is set, this user's entry names that directory as its home; nothing else changes.
Python imports this module at start-up from PYTHONPATH (the sandbox's environment puts it there).
"""

import os

_HOME = os.environ.get("MFA_AWS_TEST_PASSWD_HOME")

if _HOME:
    import pwd

    _getpwuid = pwd.getpwuid

    def _getpwuid_in_the_sandbox(uid: int) -> pwd.struct_passwd:
        entry = _getpwuid(uid)
        if uid != os.geteuid():
            return entry
        fields = list(entry)
        fields[5] = _HOME  # pw_dir
        return pwd.struct_passwd(fields)

    pwd.getpwuid = _getpwuid_in_the_sandbox
