# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an MFA code comes from, chosen once per request: given (mfa_token), printed by mfa_token_command, or
typed at the prompt. Each source has its own rule for what happens when its code was spent already or AWS
refuses it, so the spend-once protocol (spend_once.py) is one loop over any of them.

For the collection's own use, on the locked path only.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable, Protocol, Sequence

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError, NoAnswer, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import CodeSource
from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import SpentCode

#: Runs mfa_token_command on the controller and returns what it printed (plugin_utils provides it).
CodeReader = Callable[[Sequence[str]], str]
#: Asks the person at the controller for the device's code: (serial, why it asks or None) -> the code.
#: Raises NoTerminal when there is no one to ask.
CodeAsker = Callable[[str, "str | None"], str]

TOTP_STEP = 30
#: After a typed code is refused or was spent already, it is asked for again at most this many times.
MAX_REASKS = 2
#: A command that keeps printing codes already sent is given up on after this long (two steps and a margin).
COMMAND_PATIENCE = 2 * TOTP_STEP + 5

SET_A_CODE = (
    'set mfa_token (e.g. mfa_token: "{{ mfa_code }}" with ansible-playbook -e mfa_code=123456) or mfa_token_command'
)


def moment(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def spent_story(
    earlier: SpentCode, now: float, same_request: bool, shared: bool, kept_until: float | None, refused: bool
) -> str:
    """When a code was sent, and why what it bought can't serve this request.

    `same_request`: it was sent for this request; `shared`: the cache is on; `kept_until`: when the entry it bought,
    still in the cache, expires (None: not in the cache); `refused`: AWS refused what it bought.
    """
    bought = "the MFA session" if earlier.operation == "GetSessionToken" else "the role session"
    told = f"was sent to AWS at {moment(earlier.at)} and AWS accepts a code once"
    if earlier.until is None:
        return f"{told}; no answer came back, so AWS may have accepted it"
    until = kept_until if same_request and kept_until is not None else earlier.until
    if until <= now:
        return f"{told}; {bought} it bought expired at {moment(until)}"
    if not same_request:
        article = "an" if earlier.operation == "GetSessionToken" else "a"
        return f"{told}; it bought {article} {bought[4:]} for other options (until {moment(until)})"
    if refused:
        return f"{told}, and it bought that session"
    if not shared:
        return (
            f"{told}; with cache: false, {bought} it bought is kept for no other task (turn the cache on to share it)"
        )
    if kept_until is not None:
        return f"{told}; {bought} it bought has less than a minute left (until {moment(until)})"
    return (
        f"{told}; {bought} it bought is not in this cache_dir (another cache_dir holds it, or it could not be written)"
    )


class CodeSupply(Protocol):
    """A source of codes for one coded call."""

    def first(self, operation: str, why: str | None) -> str:
        """The code to try first; `why` says why a code is due, when that is worth saying."""

    def after_spent(self, earlier: SpentCode, operation: str, why: str | None, story: str) -> str:
        """The code sent before was `earlier` (`story` tells it): the next code to try, or raise."""

    def after_refused(self, error: AwsCallError, operation: str) -> str | None:
        """AWS refused the code sent: the next code to try, or None to raise `error`."""

    def advice(self) -> str:
        """What to do about a code AWS refused, for this source."""


class GivenCode:
    """mfa_token: one code, tried once."""

    def __init__(self, code: str) -> None:
        self._code = code

    def first(self, operation: str, why: str | None) -> str:
        return self._code

    def after_spent(self, earlier: SpentCode, operation: str, why: str | None, story: str) -> str:
        if earlier.error:
            raise MfaAwsError(earlier.error)
        reason = f"{why}, and " if why else ""
        raise MfaAwsError(
            f"{operation} was not called: {reason}the MFA code given (mfa_token) {story}. Give the code your device "
            "shows now (-e mfa_code=NNNNNN), or leave mfa_token unset to be asked for it, or set mfa_token_command"
        )

    def after_refused(self, error: AwsCallError, operation: str) -> str | None:
        return None

    def advice(self) -> str:
        return "Wait for your device to show the next code and run again with it (-e mfa_code=NNNNNN)."


class CommandCode:
    """mfa_token_command: run when a code is due; a code already sent means waiting for the device's next step."""

    def __init__(
        self,
        command: tuple[str, ...],
        read: CodeReader,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._command, self._read, self._sleep, self._clock = command, read, sleep, clock
        self._deadline: float | None = None

    def first(self, operation: str, why: str | None) -> str:
        lines = self._read(self._command).strip().splitlines()
        try:
            code = check.mfa_token(lines[-1].strip() if lines else None)
        except MfaAwsError:
            code = None
        if code is None:
            # What it printed stays unshown: it may hold a secret.
            raise MfaAwsError(
                f"mfa_token_command: {self._command[0]} printed no 6-digit code; it must print the code alone"
            )
        return code

    def after_spent(self, earlier: SpentCode, operation: str, why: str | None, story: str) -> str:
        if earlier.error:
            # AWS refused it: every worker, and every host's command, gets AWS's answer, not another try.
            raise MfaAwsError(earlier.error)
        if self._deadline is None:
            self._deadline = self._clock() + COMMAND_PATIENCE
        elif self._clock() > self._deadline:
            raise MfaAwsError(
                f"mfa_token_command printed only codes already sent to AWS for over a minute; check that "
                f"{self._command[0]} reads the device named by mfa_serial_number, and this machine's clock"
            )
        # A second coded call must never resend a code: the device's next step gives the next one.
        self._sleep(TOTP_STEP - self._clock() % TOTP_STEP + 1)
        return self.first(operation, why)

    def after_refused(self, error: AwsCallError, operation: str) -> str | None:
        return None

    def advice(self) -> str:
        return (
            f"Check that mfa_token_command ({self._command[0]}) reads the device named by mfa_serial_number, and "
            "this machine's clock."
        )


class PromptedCode:
    """Typed at the controller's terminal, only when a coded call is due; asked again, twice at most, when AWS
    refuses it or it was sent already."""

    def __init__(self, serial: str, ask: CodeAsker) -> None:
        self._serial, self._ask = serial, ask
        self._asked = 0

    def first(self, operation: str, why: str | None) -> str:
        reason = why
        while self._asked <= MAX_REASKS:
            self._asked += 1
            try:
                code = check.mfa_token(self._ask(self._serial, reason))
            except NoTerminal:
                # Still a NoTerminal, so a front end that is not a playbook can say it in its own words.
                raise NoTerminal(
                    f"{operation} needs an MFA code and no cached credentials are left, and there is no terminal to "
                    f"ask on: {SET_A_CODE}"
                ) from None
            except NoAnswer as error:
                # Whoever could answer did not, in time: another question would only wait as long again.
                raise MfaAwsError(f"{operation} needs an MFA code and {error}") from None
            except MfaAwsError as error:
                reason = str(error)
                continue
            if code is not None:
                return code
            reason = "no code was given"
        raise MfaAwsError(f"{operation}: no usable MFA code after {1 + MAX_REASKS} tries; {reason}")

    def after_spent(self, earlier: SpentCode, operation: str, why: str | None, story: str) -> str:
        return self.first(operation, f"that code {story}: type the next one")

    def after_refused(self, error: AwsCallError, operation: str) -> str | None:
        if not error.code_refused:
            return None
        return self.first(operation, str(error))

    def advice(self) -> str:
        return "Wait for your device to show the next code."


class NoSource:
    """No code given, no command, no one to ask (a module run on its own on a host)."""

    def first(self, operation: str, why: str | None) -> str:
        reason = f"{why}; " if why else ""
        raise MfaAwsError(f"{operation} needs an MFA code and no cached credentials are left: {reason}{SET_A_CODE}")

    def after_spent(self, earlier: SpentCode, operation: str, why: str | None, story: str) -> str:
        raise AssertionError("no code was sent")  # nosec - first() never returns

    def after_refused(self, error: AwsCallError, operation: str) -> str | None:
        return None

    def advice(self) -> str:
        return ""


def code_supply(source: CodeSource, read_code: CodeReader | None, ask_code: CodeAsker | None) -> CodeSupply:
    """The one source this request's codes come from."""
    if source.token:
        return GivenCode(source.token)
    if source.command:
        if read_code is None:
            raise MfaAwsError(
                "mfa_token_command: runs on the Ansible controller only; this task runs the module remotely"
            )
        return CommandCode(source.command, read_code)
    if ask_code is not None and source.serial:
        return PromptedCode(source.serial, ask_code)
    return NoSource()
