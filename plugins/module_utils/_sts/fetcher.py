# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every STS operation shares, as botocore's CachedCredentialFetcher does: the rules for reusing what the
cache holds, and the one template every request goes through:

    answered in this process -> cached -> lock -> cached again -> obtain (spending a code at most once) -> keep

For the collection's own use. The hit side (down to `cached`) is all a cache hit runs: it imports no
botocore, no lock, no record of codes. Each operation is one subclass in a file of its own
(session_fetcher.py, role_fetcher.py): its cache key, which entries may serve it, its checks before a code
is spent, and its call.

When credentials are reused (docs/guide.md says it for users):
- an entry serves while it has more than min(15 minutes, a third of the lifetime asked for) left: botocore's
  15 minutes for credentials of an hour or more, while 900-second credentials (whose whole life is botocore's
  window) still serve for 10 of their 15 minutes;
- an entry the code in hand bought serves down to a minute (that code can buy nothing else);
- within one process (Ansible forks one per host and task), what was answered once is answered again while it
  has more than a minute left, so every reference to a lookup in a task gets one set of credentials;
- an MFA session that only signs AssumeRole needs a minute left.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import CredentialCache, seconds_left
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import signer_digest
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

if TYPE_CHECKING:
    from ansible_collections.mfa.aws.plugins.module_utils._private_files import LockFactory
    from ansible_collections.mfa.aws.plugins.module_utils._sts.codes import CodeAsker, CodeReader
    from ansible_collections.mfa.aws.plugins.module_utils._sts.sts_calls import Sending

#: botocore's advisory refresh window: long-lived credentials with less left are bought again.
REUSE_WINDOW = 15 * 60
#: Credentials that the code in hand already bought are used down to this margin.
SAME_CODE_WINDOW = 60
#: What a process answered once it answers again while this much is left.
PROCESS_MARGIN = 60
#: An MFA session that only signs a call needs this long.
SIGNING_MARGIN = 60

# Answered in this process: memo key -> (the process's id, the response). The id keeps a forked worker from
# answering with what its parent answered, possibly hours before.
_ANSWERED: dict[str, tuple[int, dict[str, Any]]] = {}


def reuse_window(lifetime: int) -> int:
    return min(REUSE_WINDOW, lifetime // 3)


class Runtime(NamedTuple):
    """What the side that runs the exchange provides: a lock every process shares, and the ways to get a code.

    plugin_utils gives the controller's (a flock in the user's runtime directory, mfa_token_command, the
    prompt); a module run on its own gives UNATTENDED. No field has a default: each caller says what it has.
    """

    lock: LockFactory
    #: Runs mfa_token_command; None where no command may run.
    read_code: CodeReader | None
    #: Asks at the terminal; None where no one can be asked.
    ask_code: CodeAsker | None


class Fetcher:
    """One STS operation for one request, signed by `signer`, with the cache (None with cache: false)."""

    operation: ClassVar[str]
    cache_key: str

    def __init__(self, request: Any, signer: Credentials, cache: CredentialCache | None) -> None:
        self.request, self.signer, self.cache = request, signer, cache
        self._sending: Sending | None = None
        #: The access key of credentials AWS refused: not served again, whatever their time left.
        self.refused: str | None = None
        #: What the user asked for, as messages name it: an MFA session bought for a role is "AssumeRole".
        self.asked_for = self.operation

    # -- the hit side ------------------------------------------------------------------------------------------

    @property
    def memo_key(self) -> str:
        return "\0".join((self.operation, self.cache_key, signer_digest(self.signer)))

    def may_serve(self, entry: dict[str, Any]) -> bool:
        """Whether an entry under this request's key was bought for it (and is complete enough for it)."""
        raise NotImplementedError

    def window(self) -> int:
        """How long an entry must have left to be served."""
        fixed = self.request.cache.window
        return fixed if fixed is not None else reuse_window(self.request.lifetime)

    def cached(self, window: int) -> dict[str, Any] | None:
        """The entry for this request, if it may serve it and has more than `window` seconds left."""
        entry = self.cache.get(self.cache_key) if self.cache is not None else None
        return entry if self._serves(entry, window) else None

    def answered(self) -> dict[str, Any] | None:
        """What this process answered this request with already, while it has more than a minute left."""
        pid, entry = _ANSWERED.get(self.memo_key, (None, None))
        return entry if pid == os.getpid() and self._serves(entry, PROCESS_MARGIN) else None

    def _serves(self, entry: dict[str, Any] | None, window: int) -> bool:
        if entry is None or entry["Credentials"]["AccessKeyId"] == self.refused:
            return False
        return self.may_serve(entry) and seconds_left(entry) > window

    # -- the miss side -----------------------------------------------------------------------------------------

    def lock_name(self) -> str:
        """The controller-wide lock a miss holds: the device's when a code may be spent, else this request's."""
        raise NotImplementedError

    def obtain(self, runtime: Runtime, why: str | None = None) -> tuple[dict[str, Any], bool, list[str]]:
        """Under the lock: (the response, whether it came from the cache, warnings). Raises MfaAwsError."""
        raise NotImplementedError

    def precheck(self) -> None:
        """Checks that cost no code and may refuse the request before a code is spent."""

    def call(self, code: str | None) -> dict[str, Any]:
        """The STS call with this code (or none); the response to keep. Raises AwsCallError."""
        raise NotImplementedError

    def was_sent(self) -> bool:
        """Whether the last coded call's request left for AWS: a Ctrl-C before it did leaves the code unspent."""
        return self._sending is not None and self._sending.sent

    def coded_call(self, code: str | None, call: Any) -> Any:
        """Run `call(sending)` for a request carrying `code`, watching whether it leaves."""
        if not code:
            return call(None)
        from ansible_collections.mfa.aws.plugins.module_utils._sts.sts_calls import Sending

        self._sending = Sending()
        return call(self._sending)

    def keep(self, response: dict[str, Any]) -> list[str]:
        if self.cache is None:
            return []
        warning = self.cache.put(self.cache_key, response)
        return [warning] if warning else []


def fetch(fetcher: Fetcher, runtime: Runtime, why: str | None = None) -> ExchangeResult:
    """The template: credentials for the fetcher's request, with at most one STS call per code across processes.

    `why` says why a code is due, when the person asked for it should know (see role_fetcher.py).
    """
    hit = fetcher.answered() or fetcher.cached(fetcher.window())
    if hit is not None:
        return _answer(fetcher, hit, True, [])
    with runtime.lock(fetcher.lock_name()):
        # Another process may have just bought it while this one waited for the lock, or another thread of this
        # one (many roles share one session), which is the only way to know with cache: false.
        hit = fetcher.answered() or fetcher.cached(fetcher.window())
        if hit is not None:
            return _answer(fetcher, hit, True, [])
        response, cached, warnings = fetcher.obtain(runtime, why)
        # Answered under the lock, so a thread that waited on it finds the answer.
        return _answer(fetcher, response, cached, warnings)


def _answer(fetcher: Fetcher, response: dict[str, Any], cached: bool, warnings: list[str]) -> ExchangeResult:
    _ANSWERED[fetcher.memo_key] = (os.getpid(), response)
    return ExchangeResult.from_response(response, cached, warnings)
