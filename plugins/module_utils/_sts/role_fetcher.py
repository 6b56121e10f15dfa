# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AssumeRole: a role's credentials, kept in the AWS CLI's cache under the CLI's own key.

For the collection's own use. How a role is bought (docs/guide.md says it for users):
- with an MFA device and the IAM user's long-term keys, for an hour or less (AWS's default): the code buys an
  MFA session (session_fetcher.py), and the session's credentials, which carry the MFA context, assume the
  role. When the role nears its end it is bought again with the session, no code: one code lasts as long as
  the session (12 hours by default, up to 36);
- for longer than an hour, or signed by temporary credentials: with the code itself, since AWS caps a role
  assumed with temporary credentials (an MFA session's included) at an hour. It lasts what was asked, and
  needs a new code after;
- without a device: without a code.
If AWS refuses the role to a session it has served before (a trust policy may limit aws:MultiFactorAuthAge),
a code is due again: it buys a new session, and the role is tried once more.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import CredentialCache
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Fetcher, Runtime, fetch
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import (
    CHAINED_ROLE_MAX,
    RoleRequest,
    device_id,
    signer_digest,
)

if TYPE_CHECKING:
    from ansible_collections.mfa.aws.plugins.module_utils._sts.session_fetcher import SessionFetcher

#: Where a role entry names the keys that bought it and the STS that issued it (the CLI's readers ignore them).
SIGNER_FIELD = "MfaAwsSigner"
ENDPOINT_FIELD = "MfaAwsEndpoint"


class RoleFetcher(Fetcher):
    operation = "AssumeRole"
    request: RoleRequest

    def __init__(self, request: RoleRequest, signer: Credentials, cache: CredentialCache | None) -> None:
        super().__init__(request, signer, cache)
        self.cache_key = request.cache_key
        self._signer_digest = signer_digest(signer)
        self._endpoint = request.connection.sts_endpoint()
        #: Whether this role is bought, and renewed, through the MFA session the code buys.
        self.through_session = (
            bool(request.code.serial) and not signer.is_temporary and request.lifetime <= CHAINED_ROLE_MAX
        )

    @cached_property
    def session(self) -> SessionFetcher | None:
        """The MFA session that buys and renews this role, when it is bought through one.

        Made when a miss first needs it: a cache hit, in every forked worker, loads no session_fetcher.py.
        """
        if not self.through_session:
            return None
        from ansible_collections.mfa.aws.plugins.module_utils._sts.session_fetcher import SessionFetcher

        session = SessionFetcher(self.request.session(), self.signer, self.cache)
        session.asked_for = self.operation
        return session

    @property
    def memo_key(self) -> str:
        return "\0".join((super().memo_key, self._endpoint))

    def may_serve(self, entry: dict[str, Any]) -> bool:
        signer = entry.get(SIGNER_FIELD)
        if signer is None:
            # The aws CLI's own entry names neither signer nor endpoint. Its key holds the device's serial when
            # one is named, and the device identifies its IAM user (AWS refuses a device that is not the
            # caller's); it is the CLI's answer for a role profile; and the CLI sends it to the endpoint the
            # environment names, so it serves only requests that name none of their own.
            named_device = bool(self.request.code.serial) or self.request.from_profile
            return named_device and not self.request.connection.endpoint_url
        return signer == self._signer_digest and entry.get(ENDPOINT_FIELD) == self._endpoint

    def lock_name(self) -> str:
        # Bought through the session, the device's lock is taken only if the session must be bought.
        serial = self.request.code.serial if self.session is None else None
        return f"mfa-aws-{device_id(serial or self.cache_key)}.lock"

    def obtain(self, runtime: Runtime, why: str | None = None) -> tuple[dict[str, Any], bool, list[str]]:
        if self.session is not None:
            response, warnings = self._through_session(self.session, runtime)
            return response, False, warnings + self.keep(response)
        if self.request.code.serial:
            from ansible_collections.mfa.aws.plugins.module_utils._sts.spend_once import spend_once

            response, cached, warnings = spend_once(self, self.request.code, runtime, why)
        else:
            self.precheck()
            response, cached, warnings = self.call(None), False, []
        return response, cached, warnings if cached else warnings + self.keep(response)

    def _through_session(self, through: SessionFetcher, runtime: Runtime) -> tuple[dict[str, Any], list[str]]:
        session = fetch(through, runtime)
        try:
            return self.call(None, session.credentials), session.warnings
        except AwsCallError as error:
            if not session.cached or error.aws_code != "AccessDenied":
                raise
            # Refused with a session bought earlier that still has time left: a trust policy may limit how long
            # ago MFA was used (aws:MultiFactorAuthAge). A new code buys a new session.
            age = timedelta(seconds=through.request.lifetime) - (session.expiration - datetime.now(timezone.utc))
            minutes = int(age.total_seconds()) // 60
            ago = "less than a minute" if minutes < 1 else f"about {minutes} minute{'s' if minutes > 1 else ''}"
            why = (
                f"AssumeRole on {self.request.role_arn} was refused with the MFA session bought {ago} ago (the "
                "role's trust policy may limit aws:MultiFactorAuthAge), so a new MFA code is due"
            )
            through.refused = session.credentials.access_key
            renewed = fetch(through, runtime, why)
        return self.call(None, renewed.credentials), renewed.warnings

    def precheck(self) -> None:
        # AWS caps a role assumed with temporary credentials (another role's, an MFA session's) at an hour;
        # refused here, a code is not spent on a refused AssumeRole.
        if self.signer.is_temporary and self.request.lifetime > CHAINED_ROLE_MAX:
            raise MfaAwsError(
                f"duration_seconds: {self.request.lifetime} is over AWS's limit of {CHAINED_ROLE_MAX} for a role "
                f"assumed with temporary credentials (another role's, or an MFA session's); ask for "
                f"{CHAINED_ROLE_MAX} or less"
            )

    def call(self, code: str | None, session: Credentials | None = None) -> dict[str, Any]:
        """AssumeRole with the code (and the device's serial), or signed by an MFA session's credentials."""
        import time

        from ansible_collections.mfa.aws.plugins.module_utils._sts import sts_calls

        arguments = dict(self.request.arguments)
        if session is not None:
            arguments.pop("SerialNumber", None)
        if self.request.default_session_name:
            arguments["RoleSessionName"] = f"mfa-aws-{int(time.time())}"
        if code:
            arguments["TokenCode"] = code
        connection, signer, role = self.request.connection, session or self.signer, self.request.role_arn
        answer = self.coded_call(
            code,
            lambda sending: (
                sts_calls.call_with_code(connection, signer, self.operation, role, sending, RoleArn=role, **arguments)
                if sending
                else sts_calls.call(connection, signer, self.operation, role, RoleArn=role, **arguments)
            ),
        )
        response = {key: answer[key] for key in ("Credentials", "AssumedRoleUser", "SourceIdentity") if key in answer}
        response[SIGNER_FIELD] = self._signer_digest
        response[ENDPOINT_FIELD] = self._endpoint
        return response
