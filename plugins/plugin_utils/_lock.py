# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lock shared by every worker process on the controller.

For the collection's own use. Ansible runs each host's task in a forked worker, so the one STS call a
code allows must be guarded across processes, not threads. flock is released by the kernel when its
holder dies, so a worker killed mid-call can't leave the others waiting forever.

The lock files live in the user's private runtime directory, never in cache_dir: two runs with two
cache_dirs (or one that can't be written) still share one lock per MFA device. There is no unlocked
fallback: a lock that can't be taken stops the task before any code is sent.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import Iterator

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import open_private, runtime_dir


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
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
