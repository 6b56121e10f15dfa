# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""credential_process: a profile of the shared config in, the JSON document botocore reads out.

For the collection's own use, by bin/mfa-aws-credentials. botocore runs the program a profile's
credential_process names and reads its output; the program reads another profile (the IAM user's keys and
mfa_serial, or a role with source_profile and mfa_serial) and goes through the exchange the plugins use,
with their cache, lock and record of codes sent: a session a playbook bought serves every AWS tool, and
one bought here serves the playbooks.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, MutableMapping

from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._profiles import profile_settings
from ansible_collections.mfa.aws.plugins.module_utils._specs import (
    ASSUME_ROLE_OPTIONS,
    MODULE_ONLY_OPTIONS,
    SESSION_OPTIONS,
)
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import assume_roles, get_session_token
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import REUSE_WINDOW, Runtime
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest, SessionRequest
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

#: Set in the program's environment, which botocore and mfa_token_command inherit: a program started,
#: however indirectly, by another one (a profile loop, or a token command that runs an AWS tool) would wait
#: forever for the lock its parent holds, so it stops at once.
NESTED_MARK = "MFA_AWS_CREDENTIAL_PROCESS"

#: The variables the lookups read for these options (doc_fragments' PLUGINS overlays), read here too: the program
#: and the playbooks of one user then use one cache and one token command. The command line wins, as a lookup's
#: keyword does. (ansible.cfg's [mfa_aws] is not read: finding it would cost the program an ansible-core import.)
ENVIRONMENT_OPTIONS = {
    "cache": "MFA_AWS_CACHE",
    "cache_dir": "MFA_AWS_CACHE_DIR",
    "mfa_token_command": "MFA_AWS_TOKEN_COMMAND",
}

SESSION_PROCESS_OPTIONS = SESSION_OPTIONS.without(MODULE_ONLY_OPTIONS)
ROLE_PROCESS_OPTIONS = ASSUME_ROLE_OPTIONS.without(MODULE_ONLY_OPTIONS)


def enter(environ: MutableMapping[str, str]) -> None:
    """Refuse to run inside another run of the program; mark the environment for the ones it starts."""
    if environ.get(NESTED_MARK):
        raise MfaAwsError(
            "started by another mfa-aws-credentials (a profile that leads back to a credential_process, or a "
            "token command that runs an AWS tool): --profile must name the profile with the IAM user's keys"
        )
    environ[NESTED_MARK] = "1"


def _settings(name: str) -> dict[str, Any]:
    return profile_settings(Connection(profile=name))


def _refuse_loop(name: str, settings: Mapping[str, Any], named_by: str) -> None:
    if "credential_process" in settings:
        raise MfaAwsError(
            f"{named_by} {name} has a credential_process of its own, which would run this program again: "
            "name the profile that holds the IAM user's keys and mfa_serial, not the one that runs this program"
        )


def _no_device(name: str) -> MfaAwsError:
    return MfaAwsError(
        f"profile {name} has no mfa_serial: set mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME in it (a profile "
        "without MFA needs no credential_process: botocore reads it as it is)"
    )


def _for_botocore(request: Any) -> Any:
    # botocore refreshes credentials that have less than 15 minutes left, whatever their lifetime: handing it
    # shorter-lived ones would have it run the program again on every use.
    return request._replace(cache=request.cache._replace(window=REUSE_WINDOW))


def with_environment(options: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """The options, with those left unset taken from the variables the lookups read (ENVIRONMENT_OPTIONS)."""
    merged = dict(options)
    for name, variable in ENVIRONMENT_OPTIONS.items():
        if merged.get(name) in (None, "") and environ.get(variable):
            merged[name] = environ[variable]
    return merged


def credentials(
    options: Mapping[str, Any], *, runtime: Runtime, environ: Mapping[str, str] | None = None
) -> ExchangeResult:
    """Credentials for the profile `options["profile"]` names, from raw options as the plugins name them, and
    the environment variables the lookups read for those left unset."""
    options = with_environment(options, os.environ if environ is None else environ)
    name = options.get("profile")
    if not name:
        raise MfaAwsError("--profile: required, the profile with the IAM user's keys and mfa_serial, or a role's")
    settings = _settings(name)
    _refuse_loop(name, settings, "profile")
    try:
        if "role_arn" in settings:
            if settings.get("source_profile"):
                _refuse_loop(settings["source_profile"], _settings(settings["source_profile"]), "source_profile")
            role = RoleRequest.from_params(ROLE_PROCESS_OPTIONS.validate(options))
            if not role.code.serial:
                raise _no_device(name)
            return assume_roles([_for_botocore(role)], runtime)[0]
        session = SessionRequest.from_params(SESSION_PROCESS_OPTIONS.validate(options))
        if not session.code.serial:
            raise _no_device(name)
        return get_session_token(_for_botocore(session), runtime)
    except NoTerminal:
        raise NoTerminal(
            f"profile {name} needs an MFA code (no cached credentials are left) and there is no terminal to ask "
            "on: run the AWS tool once from a terminal, or add --token-command to the credential_process line"
        ) from None


def document(result: ExchangeResult) -> dict[str, Any]:
    """What botocore's credential_process provider reads (Version 1)."""
    issued = result.as_dict()
    return {
        "Version": 1,
        "AccessKeyId": issued["access_key"],
        "SecretAccessKey": issued["secret_key"],
        "SessionToken": issued["session_token"],
        "Expiration": issued["expiration"],
    }
