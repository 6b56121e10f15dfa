# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GetSessionToken: the MFA session a code buys, kept per signer, device, duration and STS endpoint.

For the collection's own use. The session serves sts_mfa_session and the mfa_session lookup, and signs the
AssumeRole calls that buy and renew roles without a code (role_fetcher.py).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import seconds_left
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import SIGNING_MARGIN, Fetcher, Runtime
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import SessionRequest, device_id

ROOT_SESSION_MAX = 3600


class SessionFetcher(Fetcher):
    operation = "GetSessionToken"
    request: SessionRequest

    def __init__(self, request: SessionRequest, *args: Any) -> None:
        super().__init__(request, *args)
        self.cache_key = request.cache_key(self.signer)

    def may_serve(self, entry: dict[str, Any]) -> bool:
        # The key binds the signer, the device, the duration and the endpoint; a session bought only to sign
        # roles does not know who it acts as, which sts_mfa_session returns.
        return not self.request.identify or isinstance(entry.get("CallerIdentity"), dict)

    def window(self) -> int:
        # A session that only signs AssumeRole is good while the call can be made with it.
        return super().window() if self.request.identify else SIGNING_MARGIN

    def lock_name(self) -> str:
        serial = self.request.code.serial
        return f"mfa-aws-{device_id(serial or self.cache_key)}.lock"

    def obtain(self, runtime: Runtime, why: str | None = None) -> tuple[dict[str, Any], bool, list[str]]:
        unnamed = self._unnamed()
        if unnamed is not None:
            # A session bought to sign roles, which does not say who it acts as: asking it costs no code.
            return unnamed, True, self._identify(unnamed)
        if self.request.code.serial:
            from ansible_collections.mfa.aws.plugins.module_utils._sts.spend_once import spend_once

            response, cached, warnings = spend_once(self, self.request.code, runtime, why)
        else:
            self.precheck()
            response, cached, warnings = self.call(None), False, []
        if self.request.identify and "CallerIdentity" not in response:
            warnings += self._identify(response)
        elif not cached:
            warnings += self.keep(response)
        return response, cached, warnings

    def precheck(self) -> None:
        # AWS gives root's sessions an hour whatever is asked; say so rather than return a shorter session.
        duration = self.request.duration
        if not duration or duration <= ROOT_SESSION_MAX:
            return
        from ansible_collections.mfa.aws.plugins.module_utils._sts.sts_calls import caller_arn

        if caller_arn(self.request.connection, self.signer).endswith(":root"):
            raise MfaAwsError(
                f"duration_seconds: {duration} is over AWS's limit of {ROOT_SESSION_MAX} for sessions of the "
                "account's root user; ask for 3600 or less, or better, use an IAM user's keys"
            )

    def call(self, code: str | None) -> dict[str, Any]:
        from ansible_collections.mfa.aws.plugins.module_utils._sts import sts_calls

        arguments: dict[str, Any] = {}
        if code:
            arguments.update(SerialNumber=self.request.code.serial, TokenCode=code)
        if self.request.duration:
            arguments["DurationSeconds"] = self.request.duration
        connection = self.request.connection
        answer = self.coded_call(
            code,
            lambda sending: (
                sts_calls.call_with_code(connection, self.signer, self.operation, None, sending, **arguments)
                if sending
                else sts_calls.call(connection, self.signer, self.operation, **arguments)
            ),
        )
        return {"Credentials": answer["Credentials"]}

    def _unnamed(self) -> dict[str, Any] | None:
        """The cached session, with time left to serve, that lacks only who it acts as."""
        if not self.request.identify or self.cache is None:
            return None
        entry = self.cache.get(self.cache_key)
        if entry is None or "CallerIdentity" in entry or entry["Credentials"]["AccessKeyId"] == self.refused:
            return None
        return entry if seconds_left(entry) > self.window() else None

    def _identify(self, response: dict[str, Any]) -> list[str]:
        """Add who the session acts as, and keep it; the credentials are bought already, so a failure only warns."""
        from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
        from ansible_collections.mfa.aws.plugins.module_utils._sts import sts_calls

        issued = response["Credentials"]
        session = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
        try:
            who = sts_calls.call(self.request.connection, session, "GetCallerIdentity")
        except MfaAwsError as error:
            return self.keep(response) + [f"the session's identity is unknown: {error}"]
        response["CallerIdentity"] = {name: who[name] for name in ("Account", "Arn", "UserId")}
        return self.keep(response)
