# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing temporary credentials into a named profile of the shared credentials file, for tools outside Ansible.

For the collection's own use. The file keeps its other profiles and comments-free INI layout as botocore
reads it; it is rewritten atomically with mode 0600. A profile that holds long-term keys is never
overwritten: those are the keys that buy the temporary ones.
"""

from __future__ import annotations

import configparser
import os
import re
from typing import Any, Mapping

from ansible_collections.mfa.aws.plugins.module_utils._sts.cache import write_private_file
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

_PROFILE_NAME = re.compile(r"[\w+=,.@:/-]{1,64}")
KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "expiration")


def credentials_path(configured: str | None) -> str:
    path = configured or os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join("~", ".aws", "credentials")
    return os.path.expanduser(path)


def _read(path: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        pass
    except (OSError, configparser.Error) as error:
        raise MfaAwsError(f"credentials_file {path} can't be read as an AWS credentials file: {error}") from None
    return parser


def check_target(profile: str | None, configured_path: str | None) -> str | None:
    """The file to write, checked before any call to AWS; None when no profile is to be written."""
    if not profile:
        return None
    if not _PROFILE_NAME.fullmatch(profile):
        raise MfaAwsError(
            f"write_profile: '{profile}' is not a usable profile name (1-64 letters, digits and +=,.@:/-_)"
        )
    path = credentials_path(configured_path)
    parser = _read(path)
    if parser.has_section(profile) and parser.has_option(profile, "aws_access_key_id"):
        if not parser.has_option(profile, "aws_session_token"):
            raise MfaAwsError(
                f"write_profile: profile {profile} in {path} holds long-term keys, which would be lost; "
                "name another profile (e.g. {profile}-mfa)".replace("{profile}", profile)
            )
    return path


def write_profile(path: str, profile: str, credentials: Mapping[str, Any], check_mode: bool = False) -> bool:
    """Put the credentials into [profile]; True when the file changed (or would, in check mode)."""
    parser = _read(path)
    wanted = {
        "aws_access_key_id": credentials["access_key"],
        "aws_secret_access_key": credentials["secret_key"],
        "aws_session_token": credentials["session_token"],
        "expiration": credentials["expiration"],
    }
    current = dict(parser.items(profile)) if parser.has_section(profile) else {}
    if all(current.get(key) == value for key, value in wanted.items()):
        return False
    if check_mode:
        return True
    if not parser.has_section(profile):
        parser.add_section(profile)
    for key, value in wanted.items():
        parser.set(profile, key, value)
    try:
        os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
        write_private_file(path, parser.write)
    except OSError as error:
        raise MfaAwsError(f"credentials_file {path} can't be written: {error.strerror or error}") from None
    return True
