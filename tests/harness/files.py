"""What tests ask of files and processes on this machine: a path's permission bits, another user, a live pid."""

import os
import stat
import time
from pathlib import Path

#: Another user, for refusals that come from ownership, not from EACCES: the tests run as root, whom
#: permission bits never stop, so "someone else's" is made with os.chown to this uid.
NOBODY = 65534


def mode(path: "os.PathLike[str] | str") -> int:
    """The permission bits of `path` itself (a symlink's own, not its target's)."""
    return stat.S_IMODE(os.lstat(path).st_mode)


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie left to a parent that is not ours."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def running(pid: int) -> bool:
    """Still alive once a SIGKILL sent to it would have been delivered (the kernel does it asynchronously)."""
    for _round in range(100):
        if not alive(pid):
            return False
        time.sleep(0.05)
    return True


def waiting_for_a_lock(pids: "set[int]") -> set[int]:
    """Those of `pids` that the kernel has blocked waiting for a file lock (flock or fcntl), from /proc/locks.

    A waiter's line reads `N: -> FLOCK  ADVISORY  WRITE <pid> <device:inode> 0 EOF`.
    """
    waiting = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "->" and fields[5].isdigit() and int(fields[5]) in pids:
            waiting.add(int(fields[5]))
    return waiting
