# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record of MFA codes already sent to STS, as digests, never the codes.

For the collection's own use, on the locked path only.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._sts.cache import CredentialFileCache, write_private_json

# Codes are valid for one 30 s step either side of now; a digest older than this can't be replayed.
SPENT_CODE_MEMORY = 600


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
