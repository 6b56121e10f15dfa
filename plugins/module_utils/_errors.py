# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's neutral errors.

For the collection's own use: modules, action plugins and lookups catch MfaAwsError and turn its
one-line message into fail_json / a failed result / AnsibleLookupError. How AWS's failures are worded
lives in _aws_errors.py, imported only where a call is made.
"""

from __future__ import annotations


class MfaAwsError(Exception):
    """A failure the user can act on, worded as one line: what went wrong and what to do."""


class NoTerminal(MfaAwsError):
    """A code is due, and there is no terminal to ask for it on (CI, AWX, stdin not a TTY)."""


class NoAnswer(MfaAwsError):
    """Someone could have been asked for a code, and none was typed in time: asking again would only wait again."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"no MFA code was typed within {seconds} seconds")


class AwsCallError(MfaAwsError):
    """A call to AWS that failed: the one line, AWS's error code and request ID, and what became of its MFA code."""

    def __init__(
        self,
        message: str,
        aws_code: str | None = None,
        request_id: str | None = None,
        code_may_be_spent: bool = False,
        retryable: bool = False,
        code_refused: bool = False,
    ):
        super().__init__(message)
        self.aws_code, self.request_id = aws_code, request_id
        #: AWS may have checked an MFA code sent with the call (it answered AccessDenied, or the request went out
        #: and no answer came back): such a code must not be sent again.
        self.code_may_be_spent = code_may_be_spent
        #: Failed before the request reached AWS's checks (throttled, no connection): it may be sent again as it was.
        self.retryable = retryable
        #: AWS said the MFA code itself is wrong, expired or used: another code may succeed where this one failed.
        self.code_refused = code_refused

    def advised(self, advice: str) -> AwsCallError:
        """The same failure, with what to do about it added (it depends on where the code came from)."""
        if not advice:
            return self
        # Before AWS's own words, which close every message that quotes them.
        text, said, aws = str(self).partition(" AWS said: ")
        message = f"{text} {advice}{said}{aws}"
        return AwsCallError(
            message, self.aws_code, self.request_id, self.code_may_be_spent, self.retryable, self.code_refused
        )

    def details(self) -> dict[str, str]:
        """What a failed result adds, as amazon.aws' fail_json_aws does: {code, request_id} when AWS answered."""
        return {key: value for key, value in (("code", self.aws_code), ("request_id", self.request_id)) if value}
