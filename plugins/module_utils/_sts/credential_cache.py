# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where credentials are kept between processes and runs: botocore's JSONFileCache layout, without botocore.

For the collection's own use. Role credentials live in the AWS CLI's own cache (~/.aws/cli/cache), under
botocore's key (see _botocore_rules.py), so the CLI and this collection reuse each other's role sessions.
Session (GetSessionToken) credentials, which the CLI does not cache, sit beside them under a key prefix of
ours. Reading needs no botocore: a cache hit imports none.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_timestamp
from ansible_collections.mfa.aws.plugins.module_utils._private_files import (
    ensure_private_dir,
    read_private_json,
    write_private_json,
)

# An STS response is under 4 KiB; anything much larger in the cache is not ours.
MAX_ENTRY_BYTES = 64 * 1024


def _strings(value: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(key), str) and value[key] for key in keys)


def is_credentials_response(value: Any) -> bool:
    """A cache entry we can use: an STS response with complete credentials, and whatever else it says well formed.

    Whatever sits in the cache directory is read as untrusted: a part of the wrong shape makes the whole
    entry a miss, never an error.
    """
    credentials = value.get("Credentials") if isinstance(value, dict) else None
    if not _strings(credentials, ("AccessKeyId", "SecretAccessKey", "SessionToken")):
        return False
    if parse_timestamp(credentials.get("Expiration")) is None:
        return False
    if "AssumedRoleUser" in value and not _strings(value["AssumedRoleUser"], ("Arn", "AssumedRoleId")):
        return False
    if "AssumedRoleUser" in value and len(value["AssumedRoleUser"]["Arn"].split(":")) < 6:
        return False
    return "CallerIdentity" not in value or _strings(value["CallerIdentity"], ("Account", "Arn", "UserId"))


def seconds_left(entry: dict[str, Any], now: datetime | None = None) -> float:
    """How long an entry's credentials have left (negative once expired); the entry was checked whole."""
    expiration = parse_timestamp(entry["Credentials"]["Expiration"])
    if expiration is None:  # is_credentials_response checked it
        raise AssertionError("an entry without an expiration was taken as whole")
    return (expiration - (now or datetime.now(timezone.utc))).total_seconds()


class CredentialCache:
    """A directory of JSON entries, trusted as OpenSSH trusts ~/.ssh (see _private_files.py).

    Entries are regular files of ours, opened without following links, 0600 and written atomically.
    Anything else reads as a miss. A write that fails (full disk, read-only home) is returned as a warning:
    the credentials in hand are still good, only their reuse is lost.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    @classmethod
    def open(cls, directory: str) -> tuple[CredentialCache, list[str]]:
        """The cache in `directory`, made private if it is not; with what was tightened, as warnings."""
        path = os.path.abspath(os.path.expanduser(directory))
        return cls(path), ensure_private_dir(path, "cache_dir")

    def get(self, cache_key: str) -> dict[str, Any] | None:
        """The entry if it holds complete, parsable credentials; None for anything else."""
        value = read_private_json(self._path(cache_key), MAX_ENTRY_BYTES)
        return value if is_credentials_response(value) else None

    def put(self, cache_key: str, value: dict[str, Any]) -> str | None:
        """Keep an entry; a warning if it could not be written."""
        try:
            write_private_json(self._path(cache_key), value)
        except OSError as error:
            return f"credentials were not cached in {self.directory}: {error.strerror or error}"
        return None

    def _path(self, cache_key: str) -> str:
        return os.path.join(self.directory, cache_key + ".json")
