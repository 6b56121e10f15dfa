# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed requests for GetSessionToken and AssumeRole, parsed once from options the spec has validated.

For the collection's own use. Everything here is checked before anything is sent: a code spent on a
request that STS then refuses for a malformed parameter is a code the user has to wait 30 seconds to replace.
Defaults and the rules on how options combine live in _specs.py, not here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping, NamedTuple, Sequence

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import role_cache_key
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

#: AWS caps a role assumed with temporary credentials (an MFA session's or another role's) at an hour.
CHAINED_ROLE_MAX = 3600
#: What AWS gives when no duration is asked for.
DEFAULT_ROLE_DURATION = 3600
DEFAULT_SESSION_DURATION = 43200


def _role_profile(connection: Connection) -> Any:
    """The role a named profile holds, if any; profiles are read only when one is named."""
    if not connection.profile:
        return None
    from ansible_collections.mfa.aws.plugins.module_utils._profiles import role_profile

    return role_profile(connection)


def _profile_settings(connection: Connection) -> dict[str, Any]:
    if not connection.profile:
        return {}
    from ansible_collections.mfa.aws.plugins.module_utils._profiles import profile_settings

    return profile_settings(connection)


def device_id(serial: str) -> str:
    """Names an MFA device in file names (its lock, its record of codes sent) without spelling out its ARN."""
    return hashlib.sha256(serial.encode()).hexdigest()[:20]


class CodeSource(NamedTuple):
    """The MFA device and where its code comes from: given, or printed by a command when a call is due."""

    serial: str | None
    token: str | None
    command: tuple[str, ...] | None

    @classmethod
    def from_params(cls, params: Mapping[str, Any], profile_serial: str | None = None) -> CodeSource:
        serial = check.mfa_serial_number(params.get("mfa_serial_number") or profile_serial)
        token = check.mfa_token(params.get("mfa_token"))
        command = None if token else check.mfa_token_command(params.get("mfa_token_command"))
        check.mfa_pair(serial, token, command)
        return cls(serial, token, tuple(command) if command else None)


class CacheSettings(NamedTuple):
    enabled: bool
    directory: str
    #: Seconds an entry must have left to be served; None: the collection's rule (see entry_window).
    window: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CacheSettings:
        return cls(params["cache"], params["cache_dir"])


def signer_digest(credentials: Credentials) -> str:
    """Names who signs without holding the secret: a cache entry is served only to the keys that bought it."""
    material = "\0".join(("mfa.aws signer", credentials.access_key, credentials.secret_key))
    return hashlib.sha256((material + "\0" + (credentials.session_token or "")).encode()).hexdigest()


class SessionRequest(NamedTuple):
    """GetSessionToken. With a role profile, the session is its source_profile's, with the profile's mfa_serial."""

    connection: Connection
    code: CodeSource
    cache: CacheSettings
    duration: int | None
    #: Read who the session acts as (once, then cached with it); a session bought only to assume roles skips it.
    identify: bool

    @classmethod
    def from_params(cls, params: Mapping[str, Any], identify: bool = True) -> SessionRequest:
        connection = Connection.from_params(params)
        profile = _role_profile(connection)
        if profile is not None:
            connection, serial = profile.source, profile.mfa_serial
        else:
            serial = _profile_settings(connection).get("mfa_serial")
        return cls(
            connection=connection,
            code=CodeSource.from_params(params, serial),
            cache=CacheSettings.from_params(params),
            duration=check.duration_seconds(params.get("duration_seconds"), check.SESSION_DURATION),
            identify=identify,
        )

    @property
    def lifetime(self) -> int:
        return self.duration or DEFAULT_SESSION_DURATION

    def cache_key(self, signer: Credentials) -> str:
        """Who signs, with which device, for how long, at which STS: a session serves only that request."""
        identity = {
            "Signer": signer_digest(signer),
            "SerialNumber": self.code.serial,
            "Duration": self.duration,
            "Endpoint": self.connection.sts_endpoint(),
        }
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        return "mfa-aws-session-" + digest[:40]


class RoleRequest(NamedTuple):
    """AssumeRole, in botocore's argument names (SerialNumber included, RoleArn apart)."""

    connection: Connection
    code: CodeSource
    cache: CacheSettings
    role_arn: str
    arguments: Mapping[str, Any]
    #: The session name was made up, and so left out of the cache key, as the AWS CLI does with its own.
    default_session_name: bool
    #: Named by a role profile, whose cache key the AWS CLI computes the same way.
    from_profile: bool
    #: How long the MFA session lasts that the code buys, through which the role is assumed and renewed.
    session_duration: int | None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RoleRequest:
        """A role profile fills in what the options leave unset, as the AWS CLI reads it."""
        connection = Connection.from_params(params)
        profile = _role_profile(connection)
        if profile is not None:
            if params.get("role_arn"):
                raise MfaAwsError(
                    f"profile {profile.name} already names a role ({profile.role_arn}): drop role_arn, or set "
                    "profile to a profile with the IAM user's keys"
                )
            defaults = {
                "role_arn": profile.role_arn,
                "duration_seconds": profile.duration_seconds,
                "external_id": profile.external_id,
                "role_session_name": profile.role_session_name,
            }
            params = {**defaults, **{key: value for key, value in params.items() if value is not None}}
            connection = profile.source
        elif not params.get("role_arn"):
            raise MfaAwsError("role_arn: required, unless profile names a role profile (role_arn + source_profile)")
        code = CodeSource.from_params(params, profile.mfa_serial if profile else None)
        tags = check.tags(params.get("tags"))
        arguments = {
            "RoleSessionName": check.role_session_name(params.get("role_session_name")),
            "DurationSeconds": check.duration_seconds(params.get("duration_seconds"), check.ROLE_DURATION),
            "ExternalId": check.external_id(params.get("external_id")),
            "Policy": check.policy(params.get("policy")),
            "PolicyArns": [{"arn": value} for value in check.policy_arns(params.get("policy_arns")) or []] or None,
            "Tags": [{"Key": key, "Value": value} for key, value in (tags or {}).items()] or None,
            "TransitiveTagKeys": check.transitive_tag_keys(params.get("transitive_tag_keys"), tags),
            "SourceIdentity": check.source_identity(params.get("source_identity")),
            "SerialNumber": code.serial,
        }
        return cls(
            connection=connection,
            code=code,
            cache=CacheSettings.from_params(params),
            role_arn=check.role_arn(params.get("role_arn")),
            arguments={key: value for key, value in arguments.items() if value},
            default_session_name=not arguments["RoleSessionName"],
            from_profile=profile is not None,
            session_duration=check.duration_seconds(
                params.get("session_duration_seconds"), check.SESSION_DURATION, "session_duration_seconds"
            ),
        )

    @property
    def lifetime(self) -> int:
        return self.arguments.get("DurationSeconds") or DEFAULT_ROLE_DURATION

    @property
    def cache_key(self) -> str:
        """The AWS CLI's key: with the device's serial when one is named, as the CLI computes it for a role
        profile with mfa_serial, also when the role is bought through the MFA session (so the CLI finds it)."""
        return role_cache_key({"RoleArn": self.role_arn, **self.arguments}, self.default_session_name)

    def session(self) -> SessionRequest:
        """The MFA session the code buys, through which this role is assumed and renewed without a code."""
        return SessionRequest(self.connection, self.code, self.cache, self.session_duration, identify=False)


def role_plan(params: Mapping[str, Any], role_arns: Sequence[str]) -> list[RoleRequest]:
    """The requests for one role or many; every role is parsed, and so checked, before a code is spent on any."""
    arns = list(role_arns) or [params.get("role_arn")]
    roles = [RoleRequest.from_params({**params, "role_arn": arn}) for arn in arns]
    longer = [role.lifetime for role in roles if role.lifetime > CHAINED_ROLE_MAX]
    if len(roles) > 1 and longer and roles[0].code.serial:
        raise MfaAwsError(
            f"duration_seconds: {longer[0]} with several roles and one code: AWS caps roles assumed through an MFA "
            f"session at {CHAINED_ROLE_MAX}, and a code can buy only one role directly; ask for {CHAINED_ROLE_MAX} "
            "or less (the collection renews them through the session, with no new code, for the session's life)"
        )
    return roles
