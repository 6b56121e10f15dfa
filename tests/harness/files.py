"""What tests ask of files and processes on this machine: a path's permission bits, another user, a live pid."""

import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    """Those of `pids` that wait for one of the collection's locks: they have a lock file of the runtime directory
    (mfa-aws-*.lock) open and hold no lock on it.

    The collection's waiters try the lock again and again (so that no wait is without end), so the kernel never
    lists them as blocked; an open lock file they do not hold is what a waiter looks like. /proc/locks names
    each holder with its pid and the file's device:inode.
    """
    held = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[1] != "->" and fields[4].isdigit():
            held.add((int(fields[4]), int(fields[5].rsplit(":", 1)[1])))
    waiting = set()
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except (FileNotFoundError, PermissionError):
            continue
        for descriptor in descriptors:
            try:
                target = os.readlink(descriptor)
                inode = os.stat(descriptor).st_ino
            except OSError:
                continue
            name = os.path.basename(target)
            if name.startswith("mfa-aws-") and name.endswith(".lock") and (pid, inode) not in held:
                waiting.add(pid)
    return waiting


def as_user(uid: int, action: "Callable[[], Any]") -> "dict[str, Any]":
    """`action()` run in a forked child under `uid` (the tests run as root): {"returned": its JSON value}, or
    {"error": the text of the collection's MfaAwsError, or "<type>: <text>" for anything else}."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(reader)
        try:
            os.setgid(uid)
            os.setuid(uid)
            outcome = {"returned": action()}
        except BaseException as error:
            named = type(error).__name__ != "MfaAwsError"
            outcome = {"error": f"{type(error).__name__}: {error}" if named else str(error)}
        with os.fdopen(writer, "w") as handle:
            json.dump(outcome, handle)
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as handle:
        outcome = json.load(handle)
    os.waitpid(pid, 0)
    return outcome
