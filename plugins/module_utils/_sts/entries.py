# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which cache entry answers a request, and whether it may: it belongs to the signer and has time left.

For the collection's own use. This is all a cache hit runs; buying credentials (purchases.py) and the
spend-once protocol are imported only on a miss.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._sts.cache import CredentialFileCache, parse_expiration
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest, SessionRequest, signer_digest

# botocore's own refresh window: credentials with less left are renewed rather than reused.
REUSE_WINDOW = 15 * 60
# Credentials that the code in hand already bought are used down to this margin: the code can't buy more.
SAME_CODE_WINDOW = 60
#: Where a role entry names the credentials that bought it (the AWS CLI's readers ignore the extra key).
SIGNER_FIELD = "MfaAwsSigner"


def _left_over(entry: dict[str, Any], window: int) -> bool:
    expiration = parse_expiration(entry["Credentials"]["Expiration"])
    return expiration is not None and expiration - datetime.now(timezone.utc) >= timedelta(seconds=window)


class SessionEntry:
    """GetSessionToken's entry: keyed by the signer, the device and the duration."""

    operation = "GetSessionToken"

    def __init__(self, request: SessionRequest, signer: Credentials, cache: CredentialFileCache | None) -> None:
        self._request, self._signer, self._cache = request, signer, cache
        self.cache_key = request.cache_key(signer)

    def cached(self, window: int) -> dict[str, Any] | None:
        """The entry, if it has more than `window` seconds left."""
        entry = self._cache.get(self.cache_key) if self._cache else None
        return entry if entry is not None and _left_over(entry, window) else None

    def is_complete(self, entry: dict[str, Any]) -> bool:
        """Whether a hit can be served without the lock: a many-role lookup's session lacks the identity."""
        return not self._request.identify or isinstance(entry.get("CallerIdentity"), dict)


class RoleEntry:
    """AssumeRole's entry: under the AWS CLI's key, naming its signer."""

    operation = "AssumeRole"

    def __init__(self, request: RoleRequest, signer: Credentials, cache: CredentialFileCache | None) -> None:
        self._request, self._signer, self._cache = request, signer, cache
        self._signer_digest = signer_digest(signer)
        self.cache_key = request.cache_key

    def cached(self, window: int) -> dict[str, Any] | None:
        entry = self._cache.get(self.cache_key) if self._cache else None
        if entry is None or not _left_over(entry, window):
            return None
        signer = entry.get(SIGNER_FIELD)
        # The CLI's own entries name no signer; its key is ours only for a role profile, as the CLI reads one.
        if signer != self._signer_digest and not (signer is None and self._request.from_profile):
            return None
        return entry

    def is_complete(self, entry: dict[str, Any]) -> bool:
        return True
