"""STS as AWS answers it for MFA: GetSessionToken, AssumeRole and GetCallerIdentity.

moto's own STS accepts any code and returns fixed keys; these handlers replace it for these three
actions. Everything else STS offers still goes to moto.
"""

import json
import re
from collections.abc import Mapping
from typing import Any

from tests.emulator import iam, policy
from tests.emulator.clock import Clock
from tests.emulator.mfa import MfaVerifier
from tests.emulator.principals import Principal, Principals, new_temporary_keys
from tests.emulator.responses import Answer, AwsError, element, iso, sts_answer

SESSION_DURATION = (900, 129600, 43200)  # min, max, default
ROLE_DURATION_MIN = 900
#: AssumeRole's own bound on DurationSeconds (the API's 900-43200), checked before the role's MaxSessionDuration.
ROLE_DURATION_MAX = 43200
ROLE_DURATION_DEFAULT = 3600
CHAINED_ROLE_MAX = 3600
ROOT_SESSION_MAX = 3600

INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
UNKNOWN_SERIAL = (
    "MultiFactorAuthentication failed, unable to validate MFA code. "
    "Please verify your MFA serial number is valid and associated with this user."
)

_SESSION_NAME = re.compile(r"[\w+=,.@-]*")
_SERIAL = re.compile(r"[\w+=/:,.@-]*")
_TOKEN = re.compile(r"[\d]*")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]*")
_PRINTABLE = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f]+")

HANDLED = ("GetSessionToken", "AssumeRole", "GetCallerIdentity")


def _validation(value: object, field: str, constraint: str) -> AwsError:
    return AwsError(
        400, "ValidationError", f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    )


def _check_string(params: Mapping[str, str], name: str, field: str, low: int, high: int, pattern: re.Pattern[str]) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if len(value) < low:
        raise _validation(value, field, f"Member must have length greater than or equal to {low}")
    if len(value) > high:
        raise _validation(value, field, f"Member must have length less than or equal to {high}")
    if not pattern.fullmatch(value):
        raise _validation(value, field, f"Member must satisfy regular expression pattern: {pattern.pattern}")
    return value


def _duration(params: Mapping[str, str], low: int, high: int | None, default: int) -> int:
    raw = params.get("DurationSeconds")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise AwsError(400, "MalformedInput", f"Invalid value for DurationSeconds: {raw}") from None
    if value < low:
        raise _validation(value, "durationSeconds", f"Member must have value greater than or equal to {low}")
    if high is not None and value > high:
        raise _validation(value, "durationSeconds", f"Member must have value less than or equal to {high}")
    return value


def _not_authorized(principal: Principal, action: str, resource: str) -> AwsError:
    return AwsError(403, "AccessDenied", f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource}")


class Sts:
    def __init__(self, clock: Clock, principals: Principals, verifier: MfaVerifier) -> None:
        self.clock = clock
        self.principals = principals
        self.verifier = verifier

    def handle(self, action: str, principal: Principal, params: Mapping[str, str]) -> Answer:
        if action == "GetCallerIdentity":
            return self.get_caller_identity(principal)
        if action == "GetSessionToken":
            return self.get_session_token(principal, params)
        return self.assume_role(principal, params)

    def get_caller_identity(self, principal: Principal) -> Answer:
        return sts_answer(
            "GetCallerIdentity",
            element("Arn", principal.arn) + element("UserId", principal.user_id) + element("Account", principal.account_id),
        )

    # -- MFA ---------------------------------------------------------------------------------------

    def _check_code(self, principal: Principal, params: Mapping[str, str]) -> bool:
        """Validate SerialNumber + TokenCode; True when a code was given and accepted."""
        serial = _check_string(params, "SerialNumber", "serialNumber", 9, 256, _SERIAL)
        code = _check_string(params, "TokenCode", "tokenCode", 6, 6, _TOKEN)
        if serial is None and code is None:
            return False
        device = iam.find_device(serial) if serial else None
        owner = getattr(device, "user", None) if device is not None else None
        if (
            device is None
            or owner is None
            or principal.user_name is None
            or owner.name != principal.user_name
            or serial.split(":")[4] != principal.account_id
        ):
            raise AwsError(403, "AccessDenied", UNKNOWN_SERIAL)
        if code is None or not self.verifier.accept(serial, device.base32_string_seed, code):
            raise AwsError(403, "AccessDenied", INVALID_CODE)
        return True

    # -- GetSessionToken ---------------------------------------------------------------------------

    def get_session_token(self, principal: Principal, params: Mapping[str, str]) -> Answer:
        if principal.temporary:
            raise AwsError(403, "AccessDenied", "Cannot call GetSessionToken with session credentials")
        low, high, default = SESSION_DURATION
        duration = _duration(params, low, high, default)
        if principal.kind == "root":
            # AWS caps root sessions at an hour without saying so.
            duration = min(duration, ROOT_SESSION_MAX)
        coded = self._check_code(principal, params)
        now = self.clock.now()
        access_key, secret, token = new_temporary_keys()
        session = Principal(
            kind="session",
            access_key_id=access_key,
            secret_access_key=secret,
            session_token=token,
            account_id=principal.account_id,
            arn=principal.arn,
            user_id=principal.user_id,
            user_name=principal.user_name,
            expiration=now + duration,
            mfa_present=coded,
            mfa_authenticated_at=now if coded else None,
        )
        self.principals.issue(session)
        return sts_answer("GetSessionToken", _credentials_xml(session))

    # -- AssumeRole --------------------------------------------------------------------------------

    def assume_role(self, principal: Principal, params: Mapping[str, str]) -> Answer:
        role_arn = params.get("RoleArn")
        if not role_arn:
            raise AwsError(400, "MissingParameter", "The request must contain the parameter RoleArn")
        _check_string(params, "RoleArn", "roleArn", 20, 2048, _PRINTABLE)
        session_name = params.get("RoleSessionName")
        if session_name is None:
            raise AwsError(400, "MissingParameter", "The request must contain the parameter RoleSessionName")
        _check_string(params, "RoleSessionName", "roleSessionName", 2, 64, _SESSION_NAME)
        external_id = _check_string(params, "ExternalId", "externalId", 2, 1224, _EXTERNAL_ID)
        source_identity = _check_string(params, "SourceIdentity", "sourceIdentity", 2, 256, _SESSION_NAME)
        session_policy = self._session_policy(params)
        duration = _duration(params, ROLE_DURATION_MIN, ROLE_DURATION_MAX, ROLE_DURATION_DEFAULT)

        role = iam.find_role(role_arn)
        if role is None:
            raise _not_authorized(principal, "sts:AssumeRole", role_arn)
        max_duration = int(role.max_session_duration or 3600)
        # Any temporary credentials count, not only a role's: AWS's knowledge center (iam-role-chaining-limit) says
        # those of GetSessionToken, which users with MFA assume roles with, are limited to one hour too.
        chained = principal.temporary
        if chained and duration > CHAINED_ROLE_MAX:
            raise AwsError(
                400,
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            )
        if duration > max_duration:
            raise AwsError(
                400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )

        coded = self._check_code(principal, params)
        now = self.clock.now()
        if coded:
            mfa_present, mfa_at = True, now
        else:
            mfa_present, mfa_at = principal.mfa_present, principal.mfa_authenticated_at
        context = request_context(principal, now, mfa_present=mfa_present, mfa_at=mfa_at)
        if external_id is not None:
            context["sts:ExternalId"] = external_id
        if source_identity is not None:
            context["sts:SourceIdentity"] = source_identity

        role_account = role_arn.split(":")[4]
        trust = policy.decide(
            [policy.parse(role.assume_role_policy_document)],
            "sts:AssumeRole",
            role_arn,
            context,
            principal_arns=iam.principal_arns(principal),
            principal_account=principal.account_id,
        )
        named_directly = _names_principal(role.assume_role_policy_document, principal)
        identity = policy.decide(iam.identity_documents(principal), "sts:AssumeRole", role_arn, context)
        identity_needed = principal.account_id != role_account or not named_directly
        if trust != "Allow" or identity == "Deny" or (identity_needed and identity != "Allow"):
            raise _not_authorized(principal, "sts:AssumeRole", role_arn)

        access_key, secret, token = new_temporary_keys()
        assumed_arn = f"arn:aws:sts::{role_account}:assumed-role/{role.name}/{session_name}"
        session = Principal(
            kind="role",
            access_key_id=access_key,
            secret_access_key=secret,
            session_token=token,
            account_id=role_account,
            arn=assumed_arn,
            user_id=f"{role.id}:{session_name}",
            role_arn=role_arn,
            expiration=now + duration,
            mfa_present=bool(mfa_present),
            mfa_authenticated_at=mfa_at,
            session_policies=[session_policy] if session_policy else [],
            source_identity=source_identity or principal.source_identity,
        )
        self.principals.issue(session)
        result = (
            _credentials_xml(session)
            + f"<AssumedRoleUser>{element('AssumedRoleId', session.user_id)}{element('Arn', assumed_arn)}</AssumedRoleUser>"
        )
        if session_policy:
            result += element("PackedPolicySize", min(100, len(json.dumps(session_policy)) // 20))
        if session.source_identity:
            result += element("SourceIdentity", session.source_identity)
        return sts_answer("AssumeRole", result)

    @staticmethod
    def _session_policy(params: Mapping[str, str]) -> dict[str, Any] | None:
        text = params.get("Policy")
        if text is None:
            return None
        if len(text) > 2048:
            raise _validation("...", "policy", "Member must have length less than or equal to 2048")
        try:
            return json.loads(text)
        except ValueError:
            raise AwsError(400, "MalformedPolicyDocument", "The policy is not in the valid JSON format.") from None


def request_context(principal: Principal, now: float, *, mfa_present: bool | None, mfa_at: float | None) -> dict[str, str]:
    """The global condition keys AWS sets on a request; the MFA ones only where AWS sets them."""
    context = {"aws:PrincipalArn": principal.role_arn or principal.arn, "aws:PrincipalAccount": principal.account_id}
    if principal.user_name:
        context["aws:username"] = principal.user_name
    if mfa_present is not None:
        context["aws:MultiFactorAuthPresent"] = "true" if mfa_present else "false"
    if mfa_present and mfa_at is not None:
        context["aws:MultiFactorAuthAge"] = str(int(now - mfa_at))
    return context


def _names_principal(document: str, principal: Principal) -> bool:
    parsed = policy.parse(document)
    arns = set(iam.principal_arns(principal))
    for statement in parsed.get("Statement", []):
        entries = statement.get("Principal", {})
        entries = entries.get("AWS", []) if isinstance(entries, dict) else []
        if any(entry in arns for entry in (entries if isinstance(entries, list) else [entries])):
            return True
    return False


def _credentials_xml(session: Principal) -> str:
    assert session.expiration is not None
    return (
        "<Credentials>"
        + element("AccessKeyId", session.access_key_id)
        + element("SecretAccessKey", session.secret_access_key)
        + element("SessionToken", session.session_token)
        + element("Expiration", iso(session.expiration))
        + "</Credentials>"
    )
