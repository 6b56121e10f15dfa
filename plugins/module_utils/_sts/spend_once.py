# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send each MFA code to AWS at most once: check, take a code, reuse what it bought or record it, send, settle.

For the collection's own use. AWS accepts a code once (RFC 6238 §5.2); a second call with it is refused
and, repeated, can lock the user out. The caller holds the device's lock around `spend_once`, so every
process on the controller sees the same record of codes sent.
"""

from __future__ import annotations

import time
from datetime import timezone
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_timestamp
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import runtime_dir
from ansible_collections.mfa.aws.plugins.module_utils._sts.codes import CodeSupply, code_supply, spent_story
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import SAME_CODE_WINDOW, Fetcher, Runtime
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import CodeSource
from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import SpentCodes


def spend_once(
    fetcher: Fetcher, source: CodeSource, runtime: Runtime, why: str | None = None
) -> tuple[dict[str, Any], bool, list[str]]:
    """The fetcher's coded call, or what the code in hand already bought: (response, from the cache, warnings)."""
    if not source.serial:  # only requests naming a device spend codes
        raise AssertionError("a code was to be spent for a request naming no MFA device")
    supply = code_supply(source, runtime.read_code, runtime.ask_code)
    return SpendOnce(SpentCodes(source.serial, runtime_dir()), supply).spend(fetcher, why)


class SpendOnce:
    """The protocol over one device's record of codes sent and one source of codes."""

    def __init__(self, spent: SpentCodes, supply: CodeSupply) -> None:
        self._spent, self._supply = spent, supply

    def spend(self, fetcher: Fetcher, why: str | None = None) -> tuple[dict[str, Any], bool, list[str]]:
        # Checks that cost no code come first: the person at the prompt is not asked for a code that would be
        # spent on a request AWS is bound to refuse.
        fetcher.precheck()
        operation = fetcher.asked_for
        code = self._supply.first(operation, why)
        while True:
            earlier = self._spent.lookup(code)
            if earlier is None:
                try:
                    return self._send(fetcher, code)
                except AwsCallError as error:
                    retry = self._supply.after_refused(error, operation)
                    if retry is None:
                        raise
                    code = retry
                    continue
            same_request = earlier.key == fetcher.cache_key
            if not earlier.error and same_request:
                # Sent for this very request: what it bought serves down to a minute, as it can buy nothing else.
                bought = fetcher.cached(SAME_CODE_WINDOW)
                if bought is not None:
                    return bought, True, []
            kept = fetcher.cache.get(fetcher.cache_key) if fetcher.cache is not None else None
            kept = kept if kept is not None and fetcher.may_serve(kept) else None
            refused = kept is not None and kept["Credentials"]["AccessKeyId"] == fetcher.refused
            story = spent_story(earlier, time.time(), same_request, fetcher.cache is not None, _expiry(kept), refused)
            code = self._supply.after_spent(earlier, operation, why, story)

    def _send(self, fetcher: Fetcher, code: str) -> tuple[dict[str, Any], bool, list[str]]:
        self._spent.record(code, fetcher.cache_key, fetcher.operation)
        try:
            response = fetcher.call(code)
        except AwsCallError as error:
            if not error.code_may_be_spent:
                self._spent.forget(code)
                raise
            said = error.advised(self._supply.advice()) if error.code_refused else error
            self._spent.settle(code, error=str(said))
            # botocore's own exception stays the cause: it is the traceback shown where Ansible shows them.
            raise said from error.__cause__
        except BaseException:
            # Interrupted (Ctrl-C) before the request left: the code was not spent and may be used again.
            if not fetcher.was_sent():
                self._spent.forget(code)
            raise
        expiration = parse_timestamp(response["Credentials"]["Expiration"])
        until = expiration.astimezone(timezone.utc).timestamp() if expiration is not None else None
        warning = self._spent.settle(code, until=until)
        return response, False, [warning] if warning else []


def _expiry(entry: dict[str, Any] | None) -> float | None:
    expiration = parse_timestamp(entry["Credentials"]["Expiration"]) if entry is not None else None
    return expiration.timestamp() if expiration is not None else None
