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

import os
from datetime import datetime, timezone
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_cache_timestamp
from ansible_collections.mfa.aws.plugins.module_utils._private_files import (
    ensure_private_dir,
    read_private_json,
    write_private_json,
)

# An STS response is under 4 KiB; anything much larger in the cache is not ours.
MAX_ENTRY_BYTES = 64 * 1024


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


def _strings(value: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(key), str) and value[key] for key in keys)


def is_credentials_response(value: Any) -> bool:
    """A cache entry we can use: an STS response with complete credentials, and whatever else it says well formed.

    Whatever sits in the cache directory is read as untrusted: a part of the wrong shape makes the whole
    entry a miss, never an error.
    """
    if not isinstance(value, dict) or not _strings(value.get("Credentials"), ("AccessKeyId", "SecretAccessKey")):
        return False
    credentials = value["Credentials"]
    if not _strings(credentials, ("SessionToken",)) or parse_expiration(credentials.get("Expiration")) is None:
        return False
    if "AssumedRoleUser" in value and not _strings(value["AssumedRoleUser"], ("Arn", "AssumedRoleId")):
        return False
    if "AssumedRoleUser" in value and len(value["AssumedRoleUser"]["Arn"].split(":")) < 6:
        return False
    return "CallerIdentity" not in value or _strings(value["CallerIdentity"], ("Account", "Arn", "UserId"))


class CredentialFileCache:
    """A directory of JSON entries in botocore's JSONFileCache layout, trusted as OpenSSH trusts ~/.ssh.

    The directory must be ours and private (see _private_files.py); entries are regular files of ours,
    opened without following links, 0600 and written atomically. Anything else reads as a miss. A write
    that fails (full disk, read-only home) is recorded in `warnings` and skipped: the credentials in hand
    are still good, only their reuse is lost.
    """

    def __init__(self, directory: str) -> None:
        self.directory = os.path.abspath(os.path.expanduser(directory))
        self.warnings: list[str] = ensure_private_dir(self.directory, "cache_dir")

    def get(self, cache_key: str) -> dict[str, Any] | None:
        """The entry if it holds complete, parsable credentials; None for anything else."""
        value = read_private_json(self.path_for(cache_key + ".json"), MAX_ENTRY_BYTES)
        return value if is_credentials_response(value) else None

    def __setitem__(self, cache_key: str, value: Any) -> None:
        try:
            write_private_json(self.path_for(cache_key + ".json"), value)
        except OSError as error:
            self.warnings.append(f"credentials were not cached in {self.directory}: {error.strerror or error}")

    def path_for(self, name: str) -> str:
        return os.path.join(self.directory, name)
