# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lock shared by every worker process on the controller.

For the collection's own use. Ansible runs each host's task in a forked worker, so the one STS call a
code allows must be guarded across processes, not threads. flock is released by the kernel when its
holder dies, so a worker killed mid-call can't leave the others waiting forever; and no one waits longer
than WAIT_SECONDS for a holder that lives on (asking for a code no one types, say): the waiter stops in
one line that names the holder.

The lock files live in the user's private runtime directory, never in cache_dir: two runs with two
cache_dirs (or one that can't be written) still share one lock per MFA device. There is no unlocked
fallback: a lock that can't be taken stops the task before any code is sent.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from typing import Iterator

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import open_private, runtime_dir

#: The longest a holder may take: three prompts of two minutes (plugin_utils/_terminal.py), a token command's
#: minute, the wait for a fresh code and the calls to AWS, with room to spare.
WAIT_SECONDS = 600
# How often a waiter tries again, at first and at most: quick when the holder is quick, cheap when it is not.
_FIRST_TRY_AGAIN, _LAST_TRY_AGAIN = 0.01, 0.25
# The clock and the sleep, as names the tests can move.
_clock = time.monotonic
_sleep = time.sleep


def _holder(descriptor: int) -> str:
    """The holder's process ID, which it writes into the file once it holds the lock."""
    with contextlib.suppress(OSError, ValueError):
        written = os.pread(descriptor, 32, 0).decode("ascii").strip()
        if written.isdigit():
            return f"process {written}"
    return "another process"


def _take(descriptor: int, path: str) -> None:
    deadline = _clock() + WAIT_SECONDS
    pause = _FIRST_TRY_AGAIN
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if _clock() >= deadline:
                raise MfaAwsError(
                    f"waited {WAIT_SECONDS} seconds for the controller's lock {path}, which {_holder(descriptor)} "
                    "still holds (another run asking for this MFA device's code, or calling AWS with it); nothing "
                    "was sent to AWS: run again once it is done"
                ) from None
        _sleep(pause)
        pause = min(_LAST_TRY_AGAIN, pause * 2)
    # Said for the waiters, best effort: the lock works without it.
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)


@contextlib.contextmanager
def device_lock(name: str) -> Iterator[None]:
    """Hold the controller-wide lock `name` (a file name, e.g. one derived from the MFA device's serial)."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"a lock name is a plain file name, not {name!r}")
    path = os.path.join(runtime_dir(), name)
    try:
        descriptor = open_private(path, os.O_RDWR | os.O_CREAT)
    except OSError as error:
        raise MfaAwsError(
            f"the controller's lock {path} can't be opened ({error.strerror or error}); nothing was sent to AWS"
        ) from None
    try:
        _take(descriptor, path)
        yield
    finally:
        os.close(descriptor)
