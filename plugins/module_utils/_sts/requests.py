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


def _role_profile(connection: Connection) -> Any:
    """The role a named profile holds, if any; profiles are read only when one is named."""
    if not connection.profile:
        return None
    from ansible_collections.mfa.aws.plugins.module_utils._profiles import role_profile

    return role_profile(connection)


def _profile_config(connection: Connection) -> dict[str, Any]:
    if not connection.profile:
        return {}
    from ansible_collections.mfa.aws.plugins.module_utils._profiles import profile_config

    return profile_config(connection)


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
    identify: bool = True

    @classmethod
    def from_params(cls, params: Mapping[str, Any], identify: bool = True) -> SessionRequest:
        connection = Connection.from_params(params)
        profile = _role_profile(connection)
        if profile is not None:
            connection, serial = profile.source, profile.mfa_serial
        else:
            serial = _profile_config(connection).get("mfa_serial")
        return cls(
            connection=connection,
            code=CodeSource.from_params(params, serial),
            cache=CacheSettings.from_params(params),
            duration=check.duration_seconds(params.get("duration_seconds"), check.SESSION_DURATION),
            identify=identify,
        )

    def cache_key(self, signer: Credentials) -> str:
        identity = {"Signer": signer_digest(signer), "SerialNumber": self.code.serial, "Duration": self.duration}
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
    default_session_name: bool = True
    #: Named by a role profile, whose cache key the AWS CLI computes the same way.
    from_profile: bool = False

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
        )

    def with_signer(self, credentials: Credentials) -> RoleRequest:
        """The same role, signed by other credentials (an MFA session's): no code, no profile."""
        return RoleRequest(
            connection=self.connection.with_credentials(credentials),
            code=CodeSource(None, None, None),
            cache=self.cache,
            role_arn=self.role_arn,
            arguments={key: value for key, value in self.arguments.items() if key != "SerialNumber"},
            default_session_name=self.default_session_name,
        )

    @property
    def cache_key(self) -> str:
        return role_cache_key({"RoleArn": self.role_arn, **self.arguments}, self.default_session_name)


def role_plan(params: Mapping[str, Any], role_arns: Sequence[str]) -> tuple[list[RoleRequest], SessionRequest | None]:
    """The requests for one or many roles; many roles with an MFA device share one MFA session.

    Every role is parsed, and so checked, before the code is spent on any. The session lasts AWS's default:
    duration_seconds is the roles'.
    """
    arns = list(role_arns) or [params.get("role_arn")]
    roles = [RoleRequest.from_params({**params, "role_arn": arn}) for arn in arns]
    if len(roles) == 1:
        return roles, None
    session = SessionRequest.from_params({**params, "duration_seconds": None}, identify=False)
    return roles, session if session.code.serial else None
