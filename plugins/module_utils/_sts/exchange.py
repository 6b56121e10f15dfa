# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entry points of the MFA exchange that every front end calls: the modules, their actions, the lookups
and bin/mfa-aws-credentials.

For the collection's own use. Ansible evaluates a lookup in vars once per host and task, each time in a
forked worker that compiles the collection's code afresh; so a hit loads only what it takes: this file,
requests.py, fetcher.py with one operation's file, credential_cache.py and result.py. A miss takes the lock,
looks again, and buys, loading the rest.

The package (its __init__.py stays empty, as ansible-test requires of module_utils):
requests.py          typed requests, parsed once from validated options
fetcher.py           the template every request goes through, and when cached credentials are reused
session_fetcher.py   GetSessionToken: the MFA session a code buys
role_fetcher.py      AssumeRole: through the MFA session, or with the code itself
credential_cache.py  the credentials cache, botocore's JSONFileCache layout in the AWS CLI's directory
spend_once.py        the protocol that sends each code to AWS at most once
codes.py             where a code comes from: given, a command, the prompt
spent_codes.py       the record of codes already sent
sts_calls.py         the STS calls: the only place botocore is called for STS
result.py            what every front end returns
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import unlocked
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import CredentialCache
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime, fetch
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest, SessionRequest, role_plan
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

# Real STS answers in 100-300 ms; a bounded pool keeps 20 roles near the time of one.
MAX_PARALLEL_ROLES = 20

#: A module run on its own on a host: no fork pool to lock against, no controller to run a command or prompt on.
UNATTENDED = Runtime(unlocked, None, None)


def _cache(request: SessionRequest | RoleRequest) -> tuple[CredentialCache | None, list[str]]:
    # cache: false keeps credentials off the disk and leaves cache_dir alone, whether it can be written or not.
    return CredentialCache.open(request.cache.directory) if request.cache.enabled else (None, [])


def _with_warnings(result: ExchangeResult, warnings: list[str]) -> ExchangeResult:
    said = [warning for warning in warnings if warning not in result.warnings]
    return result._replace(warnings=said + result.warnings) if said else result


def get_session_token(request: SessionRequest, runtime: Runtime) -> ExchangeResult:
    """GetSessionToken with the user's long-term keys, with or without MFA."""
    from ansible_collections.mfa.aws.plugins.module_utils._sts.session_fetcher import SessionFetcher

    signer = request.connection.source_credentials()
    if signer.is_temporary:
        raise MfaAwsError(
            "GetSessionToken must be signed with an IAM user's long-term access keys, and these credentials are "
            "temporary (they carry a session token): use the user's keys, or pass these on to sts_mfa_assume_role"
        )
    cache, warnings = _cache(request)
    return _with_warnings(fetch(SessionFetcher(request, signer, cache), runtime), warnings)


def assume_roles(roles: Sequence[RoleRequest], runtime: Runtime) -> list[ExchangeResult]:
    """One role or many; many take one code: the MFA session it buys signs each role, concurrently.

    MFA session credentials satisfy aws:MultiFactorAuthPresent in the roles' trust policies, so the code is
    spent once (and the session cached per user and device) however many roles and accounts follow.
    """
    from ansible_collections.mfa.aws.plugins.module_utils._sts.role_fetcher import RoleFetcher

    signer = roles[0].connection.source_credentials()
    if len(roles) > 1 and roles[0].code.serial and signer.is_temporary:
        raise MfaAwsError(
            "several roles with one MFA code need the IAM user's long-term keys, which buy the MFA session that "
            "assumes them; these credentials are temporary (they carry a session token): use the user's keys"
        )
    cache, warnings = _cache(roles[0])
    fetchers = [RoleFetcher(role, signer, cache) for role in roles]
    if len(fetchers) == 1:
        results = [fetch(fetchers[0], runtime)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_ROLES, len(fetchers))) as pool:
            results = list(pool.map(lambda fetcher: fetch(fetcher, runtime), fetchers))
        # The session's warnings (a cache that could not be written, say) are told once, with the first role.
        said = {warning for result in results[:1] for warning in result.warnings}
        results[1:] = [
            result._replace(warnings=[warning for warning in result.warnings if warning not in said])
            for result in results[1:]
        ]
    results[0] = _with_warnings(results[0], warnings)
    return results


def run_session(params: Mapping[str, Any], *, runtime: Runtime) -> ExchangeResult:
    """GetSessionToken from options the spec has validated."""
    return get_session_token(SessionRequest.from_params(params), runtime)


def run_role(params: Mapping[str, Any], *, runtime: Runtime) -> ExchangeResult:
    """AssumeRole from options the spec has validated."""
    return assume_roles([RoleRequest.from_params(params)], runtime)[0]


def run_roles(params: Mapping[str, Any], role_arns: Sequence[str], *, runtime: Runtime) -> list[ExchangeResult]:
    """One role or many, from options the spec has validated; many take one code."""
    return assume_roles(role_plan(params, role_arns), runtime)
