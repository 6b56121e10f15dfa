# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role profiles of the shared AWS config file, read as the AWS CLI reads them.

For the collection's own use. A profile with role_arn, mfa_serial and source_profile works with only
the code: the request is built with the same arguments botocore's assume-role provider builds, so its
cache key, and the cached session, are the AWS CLI's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ansible_collections.mfa.aws.plugins.module_utils import _aws_config
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError


class RoleProfile(NamedTuple):
    name: str
    role_arn: str
    source: Connection
    mfa_serial: str | None
    duration_seconds: int | None
    external_id: str | None
    role_session_name: str | None


def profile_settings(connection: Connection) -> dict[str, Any]:
    """The named profile's settings, read from the shared files (once per process) as botocore reads them."""
    if not connection.profile:
        return {}
    try:
        settings = _aws_config.profile_settings(connection.profile)
    except _aws_config.ConfigUnreadable:
        settings = {}
    if not settings:
        # A profile the files don't hold, or files botocore would refuse: botocore's error says which.
        return connection.botocore_profile_settings()
    return settings


def role_profile(connection: Connection) -> RoleProfile | None:
    """The role a profile names, with a connection for its source_profile; None for a keys profile."""
    config = profile_settings(connection)
    if "role_arn" not in config:
        return None
    name = connection.profile
    source_profile = config.get("source_profile")
    if not source_profile:
        raise MfaAwsError(
            f"profile {name} names a role without source_profile; mfa.aws needs source_profile to know whose "
            "keys sign AssumeRole"
        )
    source = connection._replace(profile=source_profile)
    if "role_arn" in profile_settings(source):
        raise MfaAwsError(
            f"profile {name}'s source_profile {source_profile} is itself a role profile; point source_profile "
            "at a profile with the IAM user's keys"
        )
    duration = config.get("duration_seconds")
    try:
        duration = int(duration) if duration is not None else None
    except ValueError:
        raise MfaAwsError(f"profile {name}: duration_seconds must be a whole number, got {duration}") from None
    return RoleProfile(
        name=name,
        role_arn=config["role_arn"],
        source=source,
        mfa_serial=config.get("mfa_serial"),
        duration_seconds=duration,
        external_id=config.get("external_id"),
        role_session_name=config.get("role_session_name"),
    )
