# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send each MFA code to AWS at most once: reuse, record, send, then forget or keep the code.

For the collection's own use. AWS accepts a code once (RFC 6238 §5.2); a second call with it is refused
and, repeated, can lock the user out. The caller holds the device's lock around `SpendOnce.obtain`, so
every process on the controller sees the same record of codes sent.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Protocol, Sequence

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.entries import REUSE_WINDOW, SAME_CODE_WINDOW
from ansible_collections.mfa.aws.plugins.module_utils._sts.ledger import SpentCodes
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import CodeSource

TOTP_STEP = 30

#: Runs mfa_token_command on the controller and returns what it printed (plugin_utils provides it).
CodeReader = Callable[[Sequence[str]], str]
#: Asks the person at the controller for the device's code: (serial, why it asks again or None) -> the code.
#: Raises MfaAwsError when there is no one to ask (no terminal).
CodeAsker = Callable[[str, "str | None"], str]
#: After AWS refuses a code that was typed in, it is asked for again at most this many times.
MAX_REASKS = 2


class Purchase(Protocol):
    """One STS call that buys credentials, as the protocol sees it."""

    operation: str
    cache_key: str

    def cached(self, window: int) -> dict[str, Any] | None:
        """The cached response, if it has more than `window` seconds left."""

    def precheck(self) -> None:
        """Free checks (no code spent) that may refuse the request before the code is."""

    def buy(self, code: str | None) -> dict[str, Any]:
        """The call, with this code; raises AwsCallError, whose `judged` says whether AWS saw the code."""

    def was_sent(self) -> bool:
        """Whether buy's request left for AWS (with its code)."""


class SpendOnce:
    """The protocol over one device's record of codes sent (None when the request names no device)."""

    def __init__(
        self,
        spent: SpentCodes | None,
        *,
        read_code: CodeReader | None,
        ask_code: CodeAsker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._spent, self._read_code, self._ask_code = spent, read_code, ask_code
        self._sleep, self._clock = sleep, clock

    def obtain(self, purchase: Purchase, source: CodeSource) -> tuple[dict[str, Any], bool]:
        """(response, came from the cache)."""
        reused = purchase.cached(REUSE_WINDOW)
        if reused is not None:
            return reused, True
        if self._spent is None or not source.serial:
            purchase.precheck()
            return purchase.buy(None), False
        if not source.token and not source.command:
            if self._ask_code is None:
                raise MfaAwsError(
                    f"{purchase.operation} needs an MFA code and no cached credentials are left: set mfa_token, "
                    'e.g. mfa_token: "{{ mfa_code }}" with ansible-playbook -e mfa_code=123456, or mfa_token_command'
                )
            purchase.precheck()
            return self._asked(purchase, source.serial, self._ask_code, self._spent)
        purchase.precheck()
        from_command = not source.token
        code = self._code_from(source) if from_command else source.token
        earlier = self._spent.lookup(code)
        if earlier is not None:
            if earlier.get("key") == purchase.cache_key and not earlier.get("error"):
                bought = purchase.cached(SAME_CODE_WINDOW)
                if bought is not None:
                    return bought, True
            if earlier.get("error"):
                # AWS refused it: every worker, and every host's command, gets AWS's answer, not another try.
                raise MfaAwsError(earlier["error"])
            if from_command:
                # A second coded call must never resend a code: a command can give the next one.
                code = self._next_fresh_code(source, self._spent)
            else:
                raise MfaAwsError(
                    f"{purchase.operation} was not called: this MFA code was already sent to AWS in this run and "
                    "AWS accepts a code once. Turn on cache (in a writable cache_dir) so the credentials it bought are "
                    "shared, or give the next code."
                )
        return self._send(purchase, code, self._spent), False

    @classmethod
    def _asked(
        cls, purchase: Purchase, serial: str, ask_code: CodeAsker, spent: SpentCodes
    ) -> tuple[dict[str, Any], bool]:
        """A code typed in at the prompt; one AWS refuses, or one already sent, is asked for again, twice at most."""
        reason: str | None = None
        for _attempt in range(1 + MAX_REASKS):
            try:
                code = check.mfa_token(ask_code(serial, reason))
            except NoTerminal:
                # Still a NoTerminal, so a front end that is not a playbook can say it in its own words.
                raise NoTerminal(
                    f"{purchase.operation} needs an MFA code and no cached credentials are left, and there is no "
                    "terminal to ask on: set mfa_token, e.g. mfa_token: \"{{ mfa_code }}\" with ansible-playbook "
                    "-e mfa_code=123456, or mfa_token_command"
                ) from None
            except MfaAwsError as error:
                reason = str(error)
                continue
            if code is None:
                reason = "no code was given"
                continue
            earlier = spent.lookup(code)
            if earlier is not None:
                if earlier.get("key") == purchase.cache_key and not earlier.get("error"):
                    bought = purchase.cached(SAME_CODE_WINDOW)
                    if bought is not None:
                        return bought, True
                reason = "that code was already sent to AWS, which accepts a code once: wait for the next one"
                continue
            try:
                return cls._send(purchase, code, spent), False
            except AwsCallError as error:
                if error.aws_code != "AccessDenied" or "MFA" not in str(error):
                    raise
                reason = str(error)
        raise MfaAwsError(f"{purchase.operation}: no usable MFA code after {1 + MAX_REASKS} tries; {reason}")

    @staticmethod
    def _send(purchase: Purchase, code: str, spent: SpentCodes) -> dict[str, Any]:
        spent.record(code, purchase.cache_key)
        try:
            return purchase.buy(code)
        except AwsCallError as error:
            if error.judged:
                spent.record(code, purchase.cache_key, error=str(error))
            else:
                spent.forget(code)
            raise
        except BaseException:
            # Interrupted (Ctrl-C) before the request left: the code was not spent and may be used again.
            if not purchase.was_sent():
                spent.forget(code)
            raise

    def _code_from(self, source: CodeSource) -> str:
        if self._read_code is None or source.command is None:
            raise MfaAwsError(
                "mfa_token_command: runs on the Ansible controller only; this task runs the module remotely"
            )
        lines = self._read_code(source.command).strip().splitlines()
        try:
            code = check.mfa_token(lines[-1].strip() if lines else None)
        except MfaAwsError:
            code = None
        if code is None:
            # What it printed stays unshown: it may hold a secret.
            raise MfaAwsError(
                f"mfa_token_command: {source.command[0]} printed no 6-digit code; it must print the code alone"
            )
        return code

    def _next_fresh_code(self, source: CodeSource, spent: SpentCodes) -> str:
        """Wait for the device's next 30-second step until the command prints a code not yet sent."""
        deadline = self._clock() + 2 * TOTP_STEP + 5
        while True:
            self._sleep(TOTP_STEP - self._clock() % TOTP_STEP + 1)
            code = self._code_from(source)
            if spent.lookup(code) is None:
                return code
            if self._clock() > deadline:
                raise MfaAwsError(
                    "mfa_token_command printed only codes already sent to AWS for over a minute; check the device "
                    "and this machine's clock"
                )
