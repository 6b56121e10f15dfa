# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The STS calls that buy credentials, with the checks that cost no code and the cache entries they keep.

For the collection's own use. This is where botocore is called (through Connection.client, which imports
it): a cache hit reads `cached()` and never gets here.
"""

from __future__ import annotations

import random
import time
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import aws_call_error, call_failures
from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import require_botocore
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._sts.entries import SIGNER_FIELD, RoleEntry, SessionEntry

CHAINED_ROLE_MAX = 3600
# botocore's standard retry mode waits at most this long between attempts.
MAX_BACKOFF = 20
ROOT_SESSION_MAX = 3600


class Sending:
    """Whether a call's request has left for AWS: botocore's before-send event says so, request by request."""

    def __init__(self) -> None:
        self.sent = False

    def __call__(self, **_event: Any) -> None:
        self.sent = True


def _call(
    connection: Connection,
    credentials: Credentials,
    operation: str,
    target: str | None,
    sending: Sending | None = None,
    **arguments: Any,
) -> Any:
    """One STS call; botocore's failures become AwsCallError, anything else is a bug and shows as one."""
    require_botocore()
    client = connection.client("sts", credentials)
    method = {"GetSessionToken": "get_session_token", "AssumeRole": "assume_role"}.get(operation, "get_caller_identity")
    if sending is not None:
        client.meta.events.register("before-send.sts", sending, unique_id=f"mfa-aws-sending-{id(sending)}")
    try:
        return getattr(client, method)(**arguments)
    except call_failures() as error:
        raise aws_call_error(error, operation, target) from error
    finally:
        if sending is not None:
            client.meta.events.unregister("before-send.sts", unique_id=f"mfa-aws-sending-{id(sending)}")


def _call_with_code(
    connection: Connection,
    credentials: Credentials,
    operation: str,
    target: str | None,
    sending: Sending,
    **arguments: Any,
) -> Any:
    """A call carrying an MFA code, which AWS accepts once: botocore must not resend it after an error that may
    have come after AWS checked the code (a server error, a lost answer). So its client makes one attempt, and
    only failures that come before the check (throttling, no connection) are tried again here, with the same
    backoff as botocore's standard mode."""
    once, attempt = connection._replace(retries=0), 0
    while True:
        try:
            return _call(once, credentials, operation, target, sending, **arguments)
        except AwsCallError as error:
            if not error.retryable or attempt >= connection.retries:
                raise
        time.sleep(min(MAX_BACKOFF, random.random() * 2**attempt))  # nosec - jitter, not a secret
        attempt += 1


def caller_arn(connection: Connection, credentials: Credentials) -> str:
    """Who the credentials act as: GetCallerIdentity needs no permission and spends no code."""
    return _call(connection, credentials, "GetCallerIdentity", None)["Arn"]


class _Buying:
    """What both purchases share: their call, with the code or without, and whether its request left."""

    _sending: Sending | None = None

    def was_sent(self) -> bool:
        """Whether the coded request left for AWS: a Ctrl-C before it did leaves the code unspent."""
        return self._sending is not None and self._sending.sent

    def _ask_aws(
        self,
        connection: Connection,
        signer: Credentials,
        operation: str,
        target: str | None,
        code: str | None,
        **arguments: Any,
    ) -> Any:
        if not code:
            return _call(connection, signer, operation, target, **arguments)
        self._sending = Sending()
        return _call_with_code(connection, signer, operation, target, self._sending, **arguments)


class SessionPurchase(_Buying, SessionEntry):
    """GetSessionToken, and the identity of the session it bought."""

    def precheck(self) -> None:
        # AWS gives root's sessions an hour whatever is asked; say so rather than return a shorter session.
        duration = self._request.duration
        if (
            duration
            and duration > ROOT_SESSION_MAX
            and caller_arn(self._request.connection, self._signer).endswith(":root")
        ):
            raise MfaAwsError(
                f"duration_seconds: {duration} is over AWS's limit of {ROOT_SESSION_MAX} for sessions of the "
                "account's root user; ask for 3600 or less, or better, use an IAM user's keys"
            )

    def buy(self, code: str | None) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        if code:
            arguments.update(SerialNumber=self._request.code.serial, TokenCode=code)
        if self._request.duration:
            arguments["DurationSeconds"] = self._request.duration
        answer = self._ask_aws(self._request.connection, self._signer, self.operation, None, code, **arguments)
        response = {"Credentials": answer["Credentials"]}
        self._keep(response)
        return response

    def complete(self, response: dict[str, Any]) -> None:
        """Add who the session acts as; the credentials are bought already, so a failure only warns."""
        if not self._request.identify or "CallerIdentity" in response:
            return
        issued = response["Credentials"]
        session = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
        try:
            who = _call(self._request.connection, session, "GetCallerIdentity", None)
        except MfaAwsError as error:
            if self._cache is not None:
                self._cache.warnings.append(f"the session's identity is unknown: {error}")
            return
        response["CallerIdentity"] = {name: who[name] for name in ("Account", "Arn", "UserId")}
        self._keep(response)

    def _keep(self, response: dict[str, Any]) -> None:
        if self._cache is not None:
            self._cache[self.cache_key] = response


class RolePurchase(_Buying, RoleEntry):
    """AssumeRole; the response is cached with its signer's digest."""

    def precheck(self) -> None:
        # AWS caps role chaining at an hour; asking who signs costs no code, a refused AssumeRole may.
        duration = self._request.arguments.get("DurationSeconds") or 0
        if duration > CHAINED_ROLE_MAX and self._signer.is_temporary:
            caller = caller_arn(self._request.connection, self._signer)
            if ":assumed-role/" in caller:
                raise MfaAwsError(
                    f"duration_seconds: {duration} is over AWS's limit of {CHAINED_ROLE_MAX} for a role assumed "
                    f"with another role's credentials ({caller}); ask for {CHAINED_ROLE_MAX} or less"
                )

    def buy(self, code: str | None) -> dict[str, Any]:
        arguments = dict(self._request.arguments)
        if self._request.default_session_name:
            arguments["RoleSessionName"] = f"mfa-aws-{int(time.time())}"
        if code:
            arguments["TokenCode"] = code
        answer = self._ask_aws(
            self._request.connection,
            self._signer,
            self.operation,
            self._request.role_arn,
            code,
            RoleArn=self._request.role_arn,
            **arguments,
        )
        response = {key: answer[key] for key in ("Credentials", "AssumedRoleUser", "SourceIdentity") if key in answer}
        response[SIGNER_FIELD] = self._signer_digest
        if self._cache is not None:
            self._cache[self.cache_key] = response
        return response

    def complete(self, response: dict[str, Any]) -> None:
        """A role's response names its session already."""
