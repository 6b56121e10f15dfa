# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared config and credentials files, and static keys, read as botocore reads them, without botocore.

For the collection's own use. A cache hit must know who signs (entries are bound to their signer) and,
with a role profile, which role is meant; both come from these files or the environment. Where botocore
would do more than read static keys (a role, SSO, a credential_process, instance metadata...), `static_keys`
says so by returning None and the caller asks botocore, on the path that calls AWS anyway.
"""

from __future__ import annotations

import os
from typing import Mapping

# Profile settings that make botocore fetch credentials rather than read them.
_FETCHED = frozenset(
    {
        "role_arn",
        "source_profile",
        "credential_source",
        "credential_process",
        "web_identity_token_file",
        "sso_start_url",
        "sso_session",
        "sso_account_id",
        "sso_role_name",
        "login_session",
    }
)


class ConfigUnreadable(Exception):
    """A shared file botocore would refuse; botocore, asked next, words why."""


def _path(variable: str, default: str) -> str:
    return os.path.expandvars(os.path.expanduser(os.environ.get(variable) or default))


def _read(path: str) -> dict[str, dict[str, str]]:
    if not os.path.isfile(path):
        return {}
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read([path])
    except (configparser.Error, UnicodeDecodeError):
        raise ConfigUnreadable(path) from None
    return {section: dict(parser.items(section)) for section in parser.sections()}


def config_profile(name: str) -> dict[str, str]:
    """A profile of the config file (~/.aws/config, or AWS_CONFIG_FILE): [profile NAME], or [default]."""
    sections = _read(_path("AWS_CONFIG_FILE", "~/.aws/config"))
    found = dict(sections.get("default", {})) if name == "default" else {}
    found.update(sections.get(f"profile {name}", {}))
    return found


def credentials_profile(name: str) -> dict[str, str]:
    """A profile of the credentials file (~/.aws/credentials, or AWS_SHARED_CREDENTIALS_FILE): [NAME]."""
    return _read(_path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")).get(name, {})


def _keys(values: Mapping[str, str]) -> tuple[str, str, str | None] | None:
    access, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
    if not access or not secret:
        return None
    return access, secret, values.get("aws_session_token") or values.get("aws_security_token") or None


def static_keys(profile: str | None) -> tuple[str, str, str | None] | None:
    """(access key, secret key, session token) as botocore's chain finds them, when it only reads them.

    The order is botocore's: the environment (unless a profile is named explicitly), then the profile's
    credentials-file section, then its config-file section. None: botocore would fetch them, or finds none.
    """
    if profile is None:
        environment = {
            "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID", ""),
            "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
            "aws_session_token": os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN") or "",
        }
        found = _keys(environment)
        if found:
            return found
        if os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_SECRET_ACCESS_KEY"):
            return None  # half a pair: botocore's error says which half
        if os.environ.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
            return None
        profile = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"
    try:
        config, credentials = config_profile(profile), credentials_profile(profile)
    except ConfigUnreadable:
        return None
    if _FETCHED.intersection(config) or _FETCHED.intersection(credentials):
        return None
    return _keys(credentials) or _keys(config)
