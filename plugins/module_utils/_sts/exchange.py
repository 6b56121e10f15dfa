# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entry points of the MFA exchange: a cache hit without lock or botocore, else one locked exchange.

For the collection's own use. Ansible evaluates a lookup in vars once per host and task, each time in a
forked worker that compiles the collection's code afresh; so a hit reads the entry, checks it belongs to
this request and has time left, and returns, having loaded only the modules that takes. A miss takes the
device's lock, looks again (another worker may have just filled the entry), and runs the spend-once
protocol. Front ends pass a Controller: the lock and the ways to get a code; nothing has a default.

The package (its __init__.py stays empty, as ansible-test requires of module_utils):
requests.py    typed requests, parsed once from validated options
entries.py     which cache entry answers a request, and whether it may: all that a hit runs
spend_once.py  the protocol that sends each code to AWS at most once
purchases.py   the STS calls themselves: the only place botocore is called
cache.py, ledger.py  the credentials cache, and the record of codes already sent
result.py      what every front end returns
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Sequence

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import LockFactory, unlocked
from ansible_collections.mfa.aws.plugins.module_utils._sts.cache import CredentialFileCache
from ansible_collections.mfa.aws.plugins.module_utils._sts.entries import REUSE_WINDOW, RoleEntry, SessionEntry
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest, SessionRequest, role_plan
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

# Real STS answers in 100-300 ms; a bounded pool keeps 20 roles near the time of one.
MAX_PARALLEL_ROLES = 20

if TYPE_CHECKING:
    from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
    from ansible_collections.mfa.aws.plugins.module_utils._sts.spend_once import CodeAsker, CodeReader


class Controller(NamedTuple):
    """What the side that runs the exchange provides: a lock every worker shares, and the ways to get a code.

    plugin_utils gives the controller's (a flock in the user's runtime directory, mfa_token_command, the
    prompt); a module run on its own gives UNATTENDED. No field has a default: each caller says what it has.
    """

    lock: LockFactory
    #: Runs mfa_token_command; None where no command may run.
    read_code: CodeReader | None
    #: Asks at the terminal; None where no one can be asked.
    ask_code: CodeAsker | None

    def without_codes(self) -> Controller:
        """For calls signed by an MFA session, which need no code."""
        return self._replace(read_code=None, ask_code=None)


#: A module run on its own on a host: no fork pool to lock against, no controller to run a command or prompt on.
UNATTENDED = Controller(unlocked, None, None)


def _hit(
    request: SessionRequest | RoleRequest, signer: Credentials, store: CredentialFileCache | None
) -> dict[str, Any] | None:
    """The cache entry that answers this request with time left, or None."""
    entry = (
        SessionEntry(request, signer, store)
        if isinstance(request, SessionRequest)
        else RoleEntry(request, signer, store)
    )
    hit = entry.cached(REUSE_WINDOW)
    return hit if hit is not None and entry.is_complete(hit) else None


def cached_credentials(request: SessionRequest | RoleRequest) -> ExchangeResult | None:
    """What the cache already holds for this request, with time left: no lock, no call, no code."""
    if not request.cache.enabled:
        return None
    store = CredentialFileCache(request.cache.directory)
    hit = _hit(request, request.connection.source_credentials(), store)
    return ExchangeResult.from_response(hit, True, store.warnings) if hit is not None else None


def _exchange(request: SessionRequest | RoleRequest, signer: Credentials, *, controller: Controller) -> ExchangeResult:
    # cache: false keeps credentials off the disk and leaves cache_dir alone, whether it can be written or not.
    store = CredentialFileCache(request.cache.directory) if request.cache.enabled else None
    warnings = store.warnings if store is not None else []
    for_session = isinstance(request, SessionRequest)
    hit = _hit(request, signer, store)
    if hit is not None:
        return ExchangeResult.from_response(hit, True, warnings)
    # A miss: what buys credentials is loaded only now.
    from ansible_collections.mfa.aws.plugins.module_utils._private_files import runtime_dir
    from ansible_collections.mfa.aws.plugins.module_utils._sts.ledger import SpentCodes
    from ansible_collections.mfa.aws.plugins.module_utils._sts.purchases import RolePurchase, SessionPurchase
    from ansible_collections.mfa.aws.plugins.module_utils._sts.spend_once import SpendOnce

    purchase = SessionPurchase(request, signer, store) if for_session else RolePurchase(request, signer, store)
    serial = request.code.serial
    lock_name = hashlib.sha256((serial or purchase.cache_key).encode()).hexdigest()[:20]
    with controller.lock(f"mfa-aws-{lock_name}.lock"):
        spent = SpentCodes(serial, runtime_dir(), warnings) if serial else None
        response, cached = SpendOnce(spent, read_code=controller.read_code, ask_code=controller.ask_code).obtain(
            purchase, request.code
        )
        # Under the same lock, so the workers waiting on it find the response whole.
        purchase.complete(response)
    return ExchangeResult.from_response(response, cached, warnings)


def get_session_token(request: SessionRequest, *, controller: Controller) -> ExchangeResult:
    """GetSessionToken with the user's long-term keys, with or without MFA."""
    signer = request.connection.source_credentials()
    if signer.is_temporary:
        raise MfaAwsError(
            "GetSessionToken must be signed with an IAM user's long-term access keys, and these credentials are "
            "temporary (they carry a session token): use the user's keys, or pass these on to sts_mfa_assume_role"
        )
    return _exchange(request, signer, controller=controller)


def assume_role(request: RoleRequest, *, controller: Controller) -> ExchangeResult:
    """AssumeRole, with an MFA code or with credentials that already carry MFA context."""
    return _exchange(request, request.connection.source_credentials(), controller=controller)


def assume_roles(
    roles: Sequence[RoleRequest],
    session: SessionRequest | None,
    *,
    controller: Controller,
) -> list[ExchangeResult]:
    """Many roles with one code: one MFA session, then each role with the session's credentials.

    MFA session credentials satisfy aws:MultiFactorAuthPresent in the roles' trust policies, so the code is
    spent once (and the session cached per user and device) however many roles and accounts follow. Every
    role's request is parsed, and so checked, before this is called.
    """
    warnings: list[str] = []
    if session is not None:
        opened = get_session_token(session, controller=controller)
        roles, warnings = [role.with_signer(opened.credentials) for role in roles], opened.warnings
        controller = controller.without_codes()
    if len(roles) == 1:
        results = [assume_role(roles[0], controller=controller)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_ROLES, len(roles))) as pool:
            results = list(pool.map(lambda role: assume_role(role, controller=controller), roles))
    # The session's warnings (a cache that could not be written, say) are told once, with the first role.
    results[0].warnings[:0] = [warning for warning in warnings if warning not in results[0].warnings]
    return results


def run_session(params: Mapping[str, Any], *, controller: Controller) -> ExchangeResult:
    """GetSessionToken from options the spec has validated."""
    return get_session_token(SessionRequest.from_params(params), controller=controller)


def run_role(params: Mapping[str, Any], *, controller: Controller) -> ExchangeResult:
    """AssumeRole from options the spec has validated."""
    return assume_role(RoleRequest.from_params(params), controller=controller)


def run_roles(params: Mapping[str, Any], role_arns: Sequence[str], *, controller: Controller) -> list[ExchangeResult]:
    """One role or many, from options the spec has validated; many take one code."""
    roles, session = role_plan(params, role_arns)
    return assume_roles(roles, session, controller=controller)
