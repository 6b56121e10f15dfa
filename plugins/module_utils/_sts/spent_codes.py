# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record of MFA codes already sent to STS, as digests, never the codes.

For the collection's own use, on the locked path only. It lives beside the device's lock in the user's
private runtime directory, not in cache_dir: runs with two cache_dirs, or with one that can't be written,
still share one record, so no code is sent twice.

A code is remembered for as long as what it bought may be in use, and a day beyond: a run started again
from the shell's history with the same -e mfa_code, hours later, is told when that code was spent and what
has expired since, rather than having it sent again (AWS refuses a code it has seen).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any, NamedTuple

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import read_private_json, write_private_json
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import device_id

#: How long a code is remembered after what it bought has expired (or after it was sent, if it bought nothing).
REMEMBERED_AFTER = 24 * 3600
#: Thousands of codes; past this the oldest are dropped, never the whole record.
MAX_RECORD_BYTES = 1024 * 1024
# Read a little past the cap, so a record written by an older release is still read rather than refused.
_READ_LIMIT = 2 * MAX_RECORD_BYTES


class SpentCode(NamedTuple):
    """What the record knows of a code sent before."""

    #: When it was sent (epoch seconds).
    at: float
    #: The cache key of what it was sent to buy.
    key: str
    #: The operation it was sent with: GetSessionToken or AssumeRole.
    operation: str
    #: When what it bought expires (epoch seconds); None if it bought nothing (yet).
    until: float | None
    #: AWS's refusal, worded, when AWS refused it.
    error: str | None


def _entry(value: Any) -> SpentCode | None:
    if not isinstance(value, dict) or not isinstance(value.get("at"), (int, float)):
        return None
    until = value.get("until")
    return SpentCode(
        at=float(value["at"]),
        key=str(value.get("key") or ""),
        operation=str(value.get("operation") or "an STS call"),
        until=float(until) if isinstance(until, (int, float)) else None,
        error=value["error"] if isinstance(value.get("error"), str) else None,
    )


class SpentCodes:
    """Digests of the codes already sent for one MFA device, shared by every process on the controller.

    AWS accepts a code once; a second call with it fails and, repeated, can lock the user out. So each
    code is recorded before it is sent, with the cache key it was sent for; once AWS has answered, with when
    what it bought expires, or with AWS's refusal. The caller holds the device's lock throughout.
    """

    def __init__(self, serial: str, directory: str) -> None:
        self._serial = serial
        self.path = os.path.join(directory, f"mfa-aws-spent-{device_id(serial)}.json")

    def _digest(self, code: str) -> str:
        return hashlib.sha256(f"{self._serial}\0{code}".encode()).hexdigest()

    def _load(self) -> dict[str, dict[str, Any]]:
        if not os.path.lexists(self.path):
            return {}
        entries = read_private_json(self.path, _READ_LIMIT)
        if not isinstance(entries, dict) or not all(_entry(entry) for entry in entries.values()):
            # Only this user can write here: a record that can't be read was damaged, and reading it (or what is
            # left of it) as empty would let a code be sent twice.
            raise MfaAwsError(
                f"the record of MFA codes sent ({self.path}) can't be read, so a code could be sent twice; nothing "
                "was sent to AWS: remove the file and run again"
            )
        now = time.time()
        return {digest: entry for digest, entry in entries.items() if _kept(entry, now)}

    def lookup(self, code: str) -> SpentCode | None:
        return _entry(self._load().get(self._digest(code)))

    def record(self, code: str, cache_key: str, operation: str) -> None:
        """Before a code is sent: a record that can't be written stops the call."""
        entries = self._load()
        entries[self._digest(code)] = {"at": time.time(), "key": cache_key, "operation": operation}
        try:
            self._write(entries)
        except OSError as failure:
            raise MfaAwsError(
                f"the record of MFA codes sent ({self.path}) can't be written ({failure.strerror or failure}), so a "
                "code could be sent twice; nothing was sent to AWS"
            ) from None

    def settle(self, code: str, *, until: float | None = None, error: str | None = None) -> str | None:
        """After AWS answered: what the code bought lasts `until`, or AWS refused it. A warning if not written."""
        entries = self._load()
        entry = entries.get(self._digest(code))
        if entry is None:
            return None
        entry.update({"until": until, "error": error})
        return self._write_or_warn(entries)

    def forget(self, code: str) -> str | None:
        """The code never reached AWS's MFA check (throttled, unreachable): it may be sent again."""
        entries = self._load()
        if entries.pop(self._digest(code), None) is None:
            return None
        return self._write_or_warn(entries)

    def _write_or_warn(self, entries: dict[str, dict[str, Any]]) -> str | None:
        try:
            self._write(entries)
        except OSError as failure:
            return f"spent MFA codes were not recorded: {failure.strerror or failure}"
        return None

    def _write(self, entries: dict[str, dict[str, Any]]) -> None:
        # Past the cap the codes sent longest ago go first: their steps are long past, and what they bought is
        # the first to have expired.
        oldest_first = sorted(entries.items(), key=lambda item: item[1]["at"])
        while oldest_first and len(json.dumps(dict(oldest_first))) > MAX_RECORD_BYTES:
            del oldest_first[: max(1, len(oldest_first) // 10)]
        write_private_json(self.path, dict(oldest_first))


def _kept(entry: Any, now: float) -> bool:
    spent = _entry(entry)
    if spent is None:
        return False
    return max(spent.at, spent.until or 0.0) + REMEMBERED_AFTER > now
