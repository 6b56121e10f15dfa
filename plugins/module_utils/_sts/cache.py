# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where credentials and spent codes are kept between processes and runs.

For the collection's own use. Role credentials live in the AWS CLI's own cache (~/.aws/cli/cache), in
botocore's JSONFileCache format under botocore's key (see _botocore_rules.py), so the CLI and this
collection reuse each other's role sessions. Reading it needs no botocore: a cache hit imports none.
Session (GetSessionToken) credentials, which the CLI does not cache, sit beside them under a key prefix of
ours.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from datetime import datetime, timezone
from typing import Any, Callable, TextIO

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_cache_timestamp



def ensure_private_dir(directory: str) -> str | None:
    """Create the directory 0700, or tighten an existing one; returns a warning when it had to."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    mode = stat.S_IMODE(os.stat(directory).st_mode)
    if mode & 0o077:
        os.chmod(directory, mode & 0o700)
        return f"cache_dir {directory} was readable by others (mode {mode:o}); it is now {mode & 0o700:o}"
    return None


def write_private_json(path: str, value: Any) -> None:
    """Write JSON atomically with mode 0600: readers see the old file or the new one, never a torn one."""
    write_private_file(path, lambda handle: json.dump(value, handle, default=_json_default))


def write_private_file(path: str, write: Callable[[TextIO], None]) -> None:
    """Write a file atomically with mode 0600 (mkstemp's), through `write`, then replace `path` with it."""
    directory = os.path.dirname(path) or "."
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".mfa-aws-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def parse_expiration(value: Any) -> datetime | None:
    """Expiration as STS gives it (datetime) or as a cache file holds it (ISO 8601 text)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = parse_cache_timestamp(value)
        if moment is None:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def is_credentials_response(value: Any) -> bool:
    """A cache entry we can use: an STS response with complete credentials."""
    if not isinstance(value, dict) or not isinstance(value.get("Credentials"), dict):
        return False
    creds = value["Credentials"]
    keys = ("AccessKeyId", "SecretAccessKey", "SessionToken")
    return all(isinstance(creds.get(key), str) and creds[key] for key in keys) and bool(
        parse_expiration(creds.get("Expiration"))
    )


class CredentialFileCache:
    """A directory of JSON entries in botocore's JSONFileCache layout: 0700 directory, 0600 atomic files.

    Unusable files read as misses. A write that fails (full disk, read-only home) is recorded in `warnings`
    and skipped: the credentials in hand are still good, only their reuse is lost.
    """

    def __init__(self, directory: str) -> None:
        self.directory = os.path.abspath(os.path.expanduser(directory))
        self.warnings: list[str] = []
        warning = ensure_private_dir(self.directory)
        if warning:
            self.warnings.append(warning)

    def get(self, cache_key: str) -> dict[str, Any] | None:
        """The entry if it holds complete, parsable credentials; None for anything else."""
        try:
            with open(self.path_for(cache_key + ".json"), encoding="utf-8") as handle:
                value = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return None
        return value if is_credentials_response(value) else None

    def __setitem__(self, cache_key: str, value: Any) -> None:
        try:
            write_private_json(self.path_for(cache_key + ".json"), value)
        except OSError as error:
            self.warnings.append(f"credentials were not cached in {self.directory}: {error.strerror or error}")

    def path_for(self, name: str) -> str:
        return os.path.join(self.directory, name)
