# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record of MFA codes already sent to STS, as digests, never the codes.

For the collection's own use, on the locked path only. It lives beside the device's lock in the user's
private runtime directory, not in cache_dir: runs with two cache_dirs, or with one that can't be written,
still share one record, so no code is sent twice.
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import read_private_json, write_private_json

# Codes are valid for one 30 s step either side of now; a digest older than this can't be replayed.
SPENT_CODE_MEMORY = 600
# A few hundred digests at most; anything much larger is not ours.
MAX_RECORD_BYTES = 256 * 1024


class SpentCodes:
    """Digests of the codes already sent for one MFA device, shared by every process on the controller.

    AWS accepts a code once; a second call with it fails and, repeated, can lock the user out. So each
    code is recorded before it is sent, with the cache key it was sent for and, if AWS refused it, why.
    The caller holds the device's lock around lookup, record and the STS call.
    """

    def __init__(self, serial: str, directory: str, warnings: list[str]) -> None:
        self._serial, self._warnings = serial, warnings
        device = hashlib.sha256(serial.encode()).hexdigest()[:20]
        self._path = os.path.join(directory, f"mfa-aws-spent-{device}.json")

    def _digest(self, code: str) -> str:
        return hashlib.sha256(f"{self._serial}\0{code}".encode()).hexdigest()

    def _load(self) -> dict[str, dict[str, Any]]:
        entries = read_private_json(self._path, MAX_RECORD_BYTES)
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
        """Before a code is sent (no error yet): a record that can't be written stops the call.

        After AWS answered (with its error): a failed write is only a warning, the call is over.
        """
        entries = self._load()
        entries[self._digest(code)] = {"at": time.time(), "key": cache_key, "error": error}
        try:
            write_private_json(self._path, entries)
        except OSError as failure:
            reason = failure.strerror or str(failure)
            if error is None:
                raise MfaAwsError(
                    f"the record of MFA codes sent ({self._path}) can't be written ({reason}), so a code could be "
                    "sent twice; nothing was sent to AWS"
                ) from None
            self._warnings.append(f"spent MFA codes were not recorded: {reason}")

    def forget(self, code: str) -> None:
        """The code never reached AWS's MFA check (throttled, unreachable): it may be sent again."""
        entries = self._load()
        if entries.pop(self._digest(code), None) is not None:
            try:
                write_private_json(self._path, entries)
            except OSError as failure:
                self._warnings.append(f"spent MFA codes were not recorded: {failure.strerror or failure}")
