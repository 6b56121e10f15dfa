# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared config and credentials files, and static keys, read as botocore reads them, without botocore.

For the collection's own use. A cache hit must know who signs (entries are bound to their signer), which
endpoint answers, and, with a role profile, which role is meant; all come from these files or the
environment. Each file is parsed once per process (and again only if it changes): a credential_process
run or a forked worker asks several questions of the same files.

Where botocore would do more than read static keys (a role, SSO, a credential_process, instance metadata...),
`static_keys` says so by returning None and the caller asks botocore, on the path that calls AWS anyway.
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

Sections = dict[str, dict[str, str]]
# path -> ((mtime_ns, size), sections): a file is parsed again only when it has changed.
_PARSED: dict[str, tuple[tuple[int, int], Sections]] = {}


class ConfigUnreadable(Exception):
    """A shared file botocore would refuse; botocore, asked next, words why."""


def config_path() -> str:
    return _path("AWS_CONFIG_FILE", "~/.aws/config")


def credentials_path() -> str:
    return _path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")


def _path(variable: str, default: str) -> str:
    return os.path.expandvars(os.path.expanduser(os.environ.get(variable) or default))


def _sections(path: str) -> Sections:
    try:
        info = os.stat(path)
    except OSError:
        return {}
    stamp = (info.st_mtime_ns, info.st_size)
    known = _PARSED.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read([path])
    except (configparser.Error, UnicodeDecodeError):
        raise ConfigUnreadable(path) from None
    sections = {section: dict(parser.items(section)) for section in parser.sections()}
    _PARSED[path] = (stamp, sections)
    return sections


def profile_settings(name: str) -> dict[str, str]:
    """A profile's settings from both files, merged as botocore merges them (the credentials file wins).

    The config file names it [profile NAME] ([default] for default); the credentials file [NAME].
    Raises ConfigUnreadable for a file botocore would refuse.
    """
    found = _config_section(name)
    found.update(_sections(credentials_path()).get(name, {}))
    return found


def _config_section(name: str) -> dict[str, str]:
    config = _sections(config_path())
    found = dict(config.get("default", {})) if name == "default" else {}
    found.update(config.get(f"profile {name}", {}))
    return found


def ambient_profile() -> str:
    """The profile botocore uses when none is named."""
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"


def configured_region(profile: str | None) -> str | None:
    """The region botocore would use when none is given: the environment, then the profile."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    try:
        return profile_settings(profile or ambient_profile()).get("region") or None
    except ConfigUnreadable:
        return None


def configured_endpoint(profile: str | None) -> str | None:
    """The STS endpoint botocore (>= 1.31) would use when none is given: the environment, then the profile."""
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return endpoint
    try:
        return profile_settings(profile or ambient_profile()).get("endpoint_url") or None
    except ConfigUnreadable:
        return None


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
        profile = ambient_profile()
    try:
        config_section, credentials = _config_section(profile), _sections(credentials_path()).get(profile, {})
    except ConfigUnreadable:
        return None
    if _FETCHED.intersection(config_section) or _FETCHED.intersection(credentials):
        return None
    return _keys(credentials) or _keys(config_section)
