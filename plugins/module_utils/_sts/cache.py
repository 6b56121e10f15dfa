# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where credentials and spent codes are kept between processes and runs.

For the collection's own use. Role credentials live in the AWS CLI's own cache (~/.aws/cli/cache), in
botocore's JSONFileCache format under botocore's key (see _botocore_rules.py), so the CLI and this
collection reuse each other's role sessions. Reading it needs no botocore: a cache hit imports none.
Session (GetSessionToken) credentials, which the CLI does not cache, sit beside them under a key prefix of
ours. The spent-code ledger holds digests of codes already sent to STS, never the codes.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Callable, TextIO

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_cache_timestamp

# Codes are valid for one 30 s step either side of now; a digest older than this can't be replayed.
SPENT_CODE_MEMORY = 600


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


class SpentCodes:
    """Digests of the codes already sent for one MFA device, shared by every process on the controller.

    AWS accepts a code once; a second call with it fails and, repeated, can lock the user out. So each
    code is recorded before it is sent, with the cache key it was sent for and, if AWS refused it, why.
    The caller holds the device's lock around lookup, record and the STS call.
    """

    def __init__(self, cache: CredentialFileCache, serial: str) -> None:
        self._serial = serial
        device = hashlib.sha256(serial.encode()).hexdigest()[:20]
        self._path = cache.path_for(f"mfa-aws-spent-{device}.json")
        self._cache = cache

    def _digest(self, code: str) -> str:
        return hashlib.sha256(f"{self._serial}\0{code}".encode()).hexdigest()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            with open(self._path) as handle:
                entries = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(entries, dict):
            return {}
        horizon = time.time() - SPENT_CODE_MEMORY
        return {
            digest: entry
            for digest, entry in entries.items()
            if isinstance(entry, dict) and isinstance(entry.get("at"), (int, float)) and entry["at"] > horizon
        }

    def lookup(self, code: str) -> dict[str, Any] | None:
        return self._load().get(self._digest(code))

    def record(self, code: str, cache_key: str, error: str | None = None) -> None:
        entries = self._load()
        entries[self._digest(code)] = {"at": time.time(), "key": cache_key, "error": error}
        self._save(entries)

    def forget(self, code: str) -> None:
        """The code never reached AWS's MFA check (throttled, unreachable): it may be sent again."""
        entries = self._load()
        if entries.pop(self._digest(code), None) is not None:
            self._save(entries)

    def _save(self, entries: dict[str, dict[str, Any]]) -> None:
        try:
            write_private_json(self._path, entries)
        except OSError as failure:
            self._cache.warnings.append(f"spent MFA codes were not recorded: {failure.strerror or failure}")
