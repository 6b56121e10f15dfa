# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lock shared by every worker process on the controller.

For the collection's own use. Ansible runs each host's task in a forked worker, so the one STS call a
code allows must be guarded across processes, not threads. flock is released by the kernel when its
holder dies, so a worker killed mid-call can't leave the others waiting forever.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import Iterator


@contextlib.contextmanager
def controller_lock(directory: str, name: str) -> Iterator[None]:
    path = os.path.join(directory, name)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        # A cache_dir that can't be written (read-only home): nothing a worker could share is stored there
        # either, so the lock would guard nothing. Run unlocked; the cache reports its failed writes.
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
