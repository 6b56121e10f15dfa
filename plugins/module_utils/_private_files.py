# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Directories and files only the controller's user can touch: the cache, the lock, the spent-code record.

For the collection's own use. Pure standard library, so every part of the collection can use it.

Directories are trusted as OpenSSH trusts ~/.ssh (misc.c, safe_path): the directory must be ours, and
every directory above it, up to the home directory or /, must be owned by root or by us and not writable
by group or others. One exception OpenSSH does not make: a parent with the sticky bit (/tmp) may be
writable by others, since they can add names to it but not remove or rename ours; a name they took first
is then not ours, and refused. Nothing that isn't ours is ever chmod'ed.

Files are opened without following a symlink, and only if they are regular files of ours; damaged
content reads as a miss; writes are atomic and 0600.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from datetime import datetime
from typing import Any, Callable, ContextManager, TextIO

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

#: Holds the controller-wide lock of this name (a plain file name) for every process on the controller.
LockFactory = Callable[[str], ContextManager[Any]]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: Under the account's home directory: the device's lock and the record of codes sent.
_RUNTIME_DIR = os.path.join(".ansible", "mfa-aws", "run")


def _ours(uid: int) -> bool:
    return uid == os.geteuid()


def check_parent(directory: str, what: str) -> None:
    """A directory whose entries only we (or root) can replace: ours or root's, not writable by others unless sticky."""
    info = os.stat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise MfaAwsError(f"{what}: {directory} is not a directory")
    if info.st_uid != 0 and not _ours(info.st_uid):
        raise MfaAwsError(
            f"{what}: {directory} belongs to another user (uid {info.st_uid}), who could replace what is in it; "
            "use a directory of your own"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022 and not mode & stat.S_ISVTX:
        raise MfaAwsError(
            f"{what}: {directory} is writable by others (mode {mode:o}), who could replace what is in it; "
            f"run chmod go-w {directory} or use another directory"
        )


def _check_parents(directory: str, what: str, home: str | None = None) -> None:
    """Every directory from `directory` (canonical) up to the home directory ($HOME unless given), or / outside it."""
    home = os.path.realpath(home or os.path.expanduser("~"))
    current = os.path.realpath(directory)
    while True:
        check_parent(current, what)
        parent = os.path.dirname(current)
        if current == home or parent == current:
            return
        current = parent


def _check_own_dir(path: str, what: str, home: str | None = None) -> list[str]:
    """An existing directory (or a symlink to one) that must be ours; a loose one of ours is tightened."""
    link = os.lstat(path)
    if stat.S_ISLNK(link.st_mode):
        target = os.path.realpath(path)
        if link.st_uid != 0 and not _ours(link.st_uid):
            raise MfaAwsError(f"{what}: {path} is a symlink of another user (uid {link.st_uid}); remove it")
        info = os.stat(path)
        if not _ours(info.st_uid):
            raise MfaAwsError(
                f"{what}: {path} is a symlink to {target}, which belongs to another user (uid {info.st_uid})"
            )
    else:
        target, info = path, link
    if not stat.S_ISDIR(info.st_mode):
        raise MfaAwsError(f"{what}: {path} is not a directory")
    if not _ours(info.st_uid):
        raise MfaAwsError(
            f"{what}: {path} belongs to another user (uid {info.st_uid}), who could read or plant what is in it; "
            "use a directory of your own"
        )
    _check_parents(os.path.dirname(os.path.realpath(target)), what, home)
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_ISVTX and mode & 0o022:
        # Made to be shared (as /tmp is, and root owns /tmp): narrowing it would break it for its other users.
        raise MfaAwsError(f"{what}: {path} is a shared directory (mode {mode:o}); use a directory of its own in it")
    if mode & 0o077:
        os.chmod(target, PRIVATE_DIR_MODE)
        return [f"{what} {path} was readable by others (mode {mode:o}); it is now {PRIVATE_DIR_MODE:o}"]
    return []


def ensure_private_dir(path: str, what: str = "directory", home: str | None = None) -> list[str]:
    """Make `path` a directory only we can use, creating it and its missing parents 0700; returns warnings.

    Raises MfaAwsError (one line, starting with `what`, e.g. "cache_dir") when it can't be trusted or made.
    Parents are judged up to `home` ($HOME unless given).
    """
    path = os.path.abspath(os.path.expanduser(path))
    missing: list[str] = []
    existing = path
    while not os.path.lexists(existing):
        missing.append(existing)
        existing = os.path.dirname(existing)
    try:
        if not missing:
            return _check_own_dir(path, what, home)
        _check_parents(existing, what, home)
        for directory in reversed(missing):
            try:
                os.mkdir(directory, PRIVATE_DIR_MODE)
            except FileExistsError:  # made meanwhile, by another fork or by someone else: judged as found
                _check_own_dir(directory, what, home)
                continue
            # mkdir's mode is filtered by the umask; this makes it exact whatever the umask.
            os.chmod(directory, PRIVATE_DIR_MODE)
    except OSError as error:
        raise MfaAwsError(f"{what}: {path} can't be used: {error.strerror or error}") from None
    return []


def account_home() -> str:
    """This user's home directory as the password database gives it, as OpenSSH finds ~/.ssh; not $HOME.

    $HOME and $XDG_RUNTIME_DIR change with how a process was started (a desktop terminal, cron, ssh without
    pam_systemd, sudo -u without -H, a test or a CI job that sets HOME): one user would then have two locks
    and two records of codes sent, and a code could reach AWS twice. Only where the database has no entry
    for the user, or its home does not exist (a container's arbitrary uid), is $HOME all there is.
    """
    try:
        import pwd

        home = pwd.getpwuid(os.geteuid()).pw_dir
    except (ImportError, KeyError):
        home = ""
    if home and os.path.isabs(home) and os.path.isdir(home):
        return home
    fallback = os.environ.get("HOME", "")
    if fallback and os.path.isabs(fallback):
        return fallback
    raise MfaAwsError(
        f"runtime directory: user {os.geteuid()} has no home directory in the password database, and HOME is not "
        "set: give the user a home directory"
    )


def runtime_dir() -> str:
    """A private directory of this user's for locks and the spent-code record, whatever cache_dir is.

    ~/.ansible/mfa-aws/run in the account's home directory (see account_home), made 0700 and checked as
    ensure_private_dir checks: one place per user, whatever the environment of the process says.
    """
    home = account_home()
    candidate = os.path.join(home, _RUNTIME_DIR)
    ensure_private_dir(candidate, "runtime directory", home)
    return candidate


def open_private(path: str, flags: int, mode: int = PRIVATE_FILE_MODE) -> int:
    """os.open that never follows a symlink and returns only a regular file of ours (created 0600).

    Raises OSError, ELOOP for a symlink, EPERM for anything else refused.
    """
    descriptor = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0), mode)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EPERM, "not a regular file", path)
        if not _ours(info.st_uid):
            raise OSError(errno.EPERM, "owned by another user", path)
        # O_NONBLOCK only kept a FIFO planted in the file's place from blocking the open.
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_private_json(path: str, max_bytes: int) -> Any | None:
    """The JSON value in `path`; None for a miss: absent, not a regular file of ours, too big, or damaged."""
    try:
        descriptor = open_private(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError:
        return None
    if len(data) > max_bytes:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def write_private_file(path: str, write: Callable[[TextIO], None]) -> None:
    """Replace `path` atomically with a 0600 file written through `write`: readers see the old or the new one.

    `path` itself is replaced, never followed: give the resolved path to update a symlink's target.
    """
    import tempfile  # only a write needs it (and random, shutil ...): a cache hit writes nothing

    directory = os.path.dirname(path) or "."
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".mfa-aws-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_private_json(path: str, value: Any) -> None:
    """Write JSON atomically with mode 0600; datetimes (as in botocore's responses) as ISO 8601."""
    write_private_file(path, lambda handle: json.dump(value, handle, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def unlocked(name: str) -> ContextManager[Any]:
    """For a module run on its own, outside the controller's fork pool: nothing to share a lock with."""
    return contextlib.nullcontext()
