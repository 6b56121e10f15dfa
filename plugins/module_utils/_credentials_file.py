# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing temporary credentials into a named profile of the shared credentials file, for tools outside Ansible.

For the collection's own use. The file keeps its other profiles and comments-free INI layout as botocore
reads it; it is rewritten atomically with mode 0600. A profile that holds long-term keys is never
overwritten: those are the keys that buy the temporary ones.

Every fork of a run may write its own profile at once: the read-modify-write runs under a lock the
caller provides (the controller's, shared by every fork). A symlinked file (a dotfiles setup) stays a
symlink: its target is what is replaced, if every link on the way is the user's (or root's) and the
target is a regular file of the user's in a directory others can't rewrite. A link another user planted
in a shared directory such as /tmp (which fs.protected_symlinks does not stop the resolving) is refused.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import stat
from typing import Any, Mapping

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import (
    LockFactory,
    check_parent,
    ensure_private_dir,
    unlocked,
    write_private_file,
)

_PROFILE_NAME = re.compile(r"[\w+=,.@:/-]{1,64}")
KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "expiration")
# botocore reads a session token under either name.
_TOKEN_KEYS = ("aws_session_token", "aws_security_token")
# Long-term access key IDs start so; temporary ones start with ASIA.
_LONG_TERM_PREFIX = "AKIA"
# As the kernel: more links than this on the way is a loop.
_MAX_LINKS = 40


def credentials_path(configured: str | None) -> str:
    path = configured or os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join("~", ".aws", "credentials")
    return os.path.expanduser(path)


def _read(path: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise MfaAwsError(f"credentials_file {path} can't be read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        # The decoder's message quotes a byte of the file.
        raise MfaAwsError(f"credentials_file {path} is not UTF-8 text") from None
    except configparser.Error as error:
        # configparser quotes the offending line, which may be half of a wrapped secret key.
        line = _line_number(error)
        where = f" (line {line})" if line else ""
        raise MfaAwsError(
            f"credentials_file {path} can't be read as an AWS credentials file{where}: each line must be "
            "[profile], key = value, or a comment"
        ) from None
    return parser


def _line_number(error: configparser.Error) -> int | None:
    # MissingSectionHeaderError is a ParsingError with a lineno and, before Python 3.12, no errors list.
    line = getattr(error, "lineno", None)
    if line is None and getattr(error, "errors", None):
        line = error.errors[0][0]
    return line if isinstance(line, int) else None


def _ours(uid: int) -> bool:
    return uid == os.geteuid()


def resolve(path: str) -> str:
    """The file a credentials_file path names, following only links of the user's own (or root's).

    Every link on the way, in the directories too, must belong to the user or root; the file at the end, if
    there is one, must be a regular file of the user's; and its directory must be one others can't rewrite.
    """
    parts = os.path.abspath(path).split(os.sep)[1:]
    resolved, hops = os.sep, 0
    while parts:
        name = parts.pop(0)
        if name in ("", "."):
            continue
        if name == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, name)
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            resolved = os.path.join(candidate, *parts)
            break
        except OSError as error:
            raise MfaAwsError(f"credentials_file {path} can't be read: {error.strerror or error}") from None
        if not stat.S_ISLNK(info.st_mode):
            resolved = candidate
            continue
        hops += 1
        if hops > _MAX_LINKS:
            raise MfaAwsError(f"credentials_file {path}: too many levels of symbolic links")
        if info.st_uid != 0 and not _ours(info.st_uid):
            raise MfaAwsError(
                f"credentials_file {path}: {candidate} is a symlink of another user (uid {info.st_uid}), who could "
                "point it at any file of yours; remove it, or name a file in a directory of your own"
            )
        link = os.readlink(candidate)
        if os.path.isabs(link):
            resolved = os.sep
        parts[:0] = link.split(os.sep)
    _check_file(resolved, path)
    return resolved


def _check_file(target: str, path: str) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise MfaAwsError(f"credentials_file {path}: {target} is not a regular file")
    if info is not None and not _ours(info.st_uid):
        raise MfaAwsError(
            f"credentials_file {path}: {target} belongs to another user (uid {info.st_uid}); "
            "write_profile writes only a file of your own"
        )
    directory = os.path.dirname(target)
    if os.path.isdir(directory):
        check_parent(directory, f"credentials_file {path}")


def check_target(profile: str | None, configured_path: str | None) -> str | None:
    """The file to write, checked before any call to AWS; None when no profile is to be written."""
    if not profile:
        return None
    if not _PROFILE_NAME.fullmatch(profile):
        raise MfaAwsError(
            f"write_profile: {profile!r} is not a usable profile name (1-64 letters, digits and +=,.@:/-_)"
        )
    parser = configparser.RawConfigParser()
    if profile == parser.default_section:
        # configparser's section of defaults, whose keys every other profile of the file would inherit.
        raise MfaAwsError(
            f"write_profile: '{profile}' is the INI file's section of defaults, not a profile; name another one"
        )
    path = credentials_path(configured_path)
    _refuse_long_term_keys(_read(resolve(path)), profile, path)
    return path


def _holds_long_term_keys(parser: configparser.RawConfigParser, profile: str) -> bool:
    """Keys without a session token (an empty one is none), or a long-term access key ID whatever else is there."""
    if not parser.has_section(profile):
        return False
    values = {key: (parser.get(profile, key, fallback="") or "").strip() for key in (*KEYS, *_TOKEN_KEYS)}
    has_keys = parser.has_option(profile, "aws_access_key_id") or parser.has_option(profile, "aws_secret_access_key")
    temporary = any(values[key] for key in _TOKEN_KEYS)
    return (has_keys and not temporary) or values["aws_access_key_id"].startswith(_LONG_TERM_PREFIX)


def _refuse_long_term_keys(parser: configparser.RawConfigParser, profile: str, path: str) -> None:
    if _holds_long_term_keys(parser, profile):
        raise MfaAwsError(
            f"write_profile: profile {profile} in {path} holds long-term keys, which would be lost; "
            "name another profile (e.g. {profile}-mfa)".replace("{profile}", profile)
        )


def write_profile(
    path: str,
    profile: str,
    credentials: Mapping[str, Any],
    check_mode: bool = False,
    lock: LockFactory = unlocked,
) -> bool:
    """Put the credentials into [profile]; True when the file changed (or would, in check mode).

    `lock` serialises writers of one file; without it (a module alone on a host) nothing else writes it.
    """
    # The file a symlink names is the one to update; replacing the link would cut it from its target.
    target = resolve(path)
    digest = hashlib.sha256(target.encode()).hexdigest()[:20]
    with lock(f"mfa-aws-credentials-{digest}.lock"):
        # Resolved again under the lock: what was checked before the call may have changed since.
        if resolve(path) != target:
            raise MfaAwsError(f"credentials_file {path} changed while the credentials were bought; run again")
        return _write_locked(target, profile, credentials, check_mode)


def _write_locked(path: str, profile: str, credentials: Mapping[str, Any], check_mode: bool) -> bool:
    parser = _read(path)
    # Checked again under the lock: the file may have changed since the check before the call.
    _refuse_long_term_keys(parser, profile, path)
    wanted = {
        "aws_access_key_id": credentials["access_key"],
        "aws_secret_access_key": credentials["secret_key"],
        "aws_session_token": credentials["session_token"],
        "expiration": credentials["expiration"],
    }
    current = dict(parser.items(profile)) if parser.has_section(profile) else {}
    if all(current.get(key) == value for key, value in wanted.items()):
        return False
    if check_mode:
        return True
    if not parser.has_section(profile):
        parser.add_section(profile)
    for key, value in wanted.items():
        parser.set(profile, key, value)
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        # ~/.aws made 0700 with its parents, whatever the umask: botocore runs what ~/.aws/config names.
        ensure_private_dir(directory, "credentials_file")
    try:
        write_private_file(path, parser.write)
    except OSError as error:
        raise MfaAwsError(f"credentials_file {path} can't be written: {error.strerror or error}") from None
    return True
