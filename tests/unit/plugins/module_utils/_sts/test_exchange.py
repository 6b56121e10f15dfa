"""The entry points every front end calls: what is refused before any call, and, against the local AWS emulator,
what many roles cost (one MFA session for all of them when a device is named, none without), how long that
session lasts, whose warnings are said where, and what cache: false leaves alone."""

from __future__ import annotations

import contextlib
import threading

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS, SESSION_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts import exchange
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import run_role, run_roles, run_session
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest
from ansible_collections.mfa.aws.plugins.module_utils._sts.role_fetcher import RoleFetcher
from tests.emulator.world import RoleSpec
from tests.unit.plugins.module_utils._sts.support import Locks, identity_answer, role_answer, runtime, session_answer

ROLE = "arn:aws:iam::222222222222:role/Admin"
OTHER_ROLE = "arn:aws:iam::333333333333:role/Reader"
SERIAL = "arn:aws:iam::111111111111:mfa/alice"
USER_ARN = "arn:aws:iam::111111111111:user/alice"
SESSION_KEY = "ASIASESSIONEXAMPLE01"
TEMPORARY = {"access_key": "ASIACALLER", "secret_key": "secret", "session_token": "token"}

pytestmark = pytest.mark.usefixtures("isolated")


# -- refused before anything ------------------------------------------------------------------------------------


def test_get_session_token_refuses_temporary_keys_before_anything(sts, isolated):
    params = SESSION_OPTIONS.validate({**TEMPORARY, "cache_dir": str(isolated / "cache")})
    with pytest.raises(MfaAwsError, match=r"^GetSessionToken must be signed with an IAM user's long-term access keys"):
        run_session(params, runtime=runtime())
    assert sts.calls == [] and not (isolated / "cache").exists()


def test_several_roles_with_a_device_and_temporary_keys_are_refused_before_anything(sts, isolated):
    params = ASSUME_ROLE_OPTIONS.validate(
        {**TEMPORARY, "mfa_serial_number": SERIAL, "mfa_token": "123456", "cache_dir": str(isolated / "cache")}
    )
    with pytest.raises(MfaAwsError, match=r"^several roles with one MFA code need the IAM user's long-term keys"):
        run_roles(params, [ROLE, OTHER_ROLE], runtime=runtime())
    assert sts.calls == [] and not (isolated / "cache").exists()


def test_one_role_with_a_device_and_temporary_keys_is_assumed_with_the_code(sts, isolated):
    # Only several roles need the MFA session, which temporary keys can't buy; one role takes the code itself.
    params = ASSUME_ROLE_OPTIONS.validate(
        {**TEMPORARY, "mfa_serial_number": SERIAL, "mfa_token": "123456", "cache_dir": str(isolated / "cache")}
    )
    sts.answer(Credentials(*TEMPORARY.values()), "assume_role", role_answer("ASIAROLEEXAMPLE00001", ROLE))
    assert run_roles(params, [ROLE], runtime=runtime())[0].credentials.access_key == "ASIAROLEEXAMPLE00001"
    ((operation, signed_by, sent),) = sts.calls
    assert (operation, signed_by) == ("AssumeRole", "ASIACALLER")
    assert (sent["SerialNumber"], sent["TokenCode"]) == (SERIAL, "123456")


# -- what opening the cache says ---------------------------------------------------------------------------------

USER_KEYS = {"access_key": "AKIAUSEREXAMPLE00001", "secret_key": "user-secret", "region": "eu-west-1"}


@pytest.fixture
def loose_cache(isolated):
    directory = isolated / "cache"
    directory.mkdir()
    directory.chmod(0o755)
    return directory


def tightened(directory) -> str:
    return f"cache_dir {directory} was readable by others (mode 755); it is now 700"


def test_a_cache_dir_tightened_is_said_with_the_session(sts, loose_cache):
    signer = Credentials(USER_KEYS["access_key"], USER_KEYS["secret_key"])
    sts.answer(signer, "get_session_token", session_answer(SESSION_KEY))
    sts.answer(Credentials(SESSION_KEY, "s", "t"), "get_caller_identity", identity_answer(USER_ARN))
    result = run_session(SESSION_OPTIONS.validate({**USER_KEYS, "cache_dir": str(loose_cache)}), runtime=runtime())
    assert result.warnings == [tightened(loose_cache)]


def test_a_cache_dir_tightened_is_said_once_with_the_first_role(sts, loose_cache):
    signer = Credentials(USER_KEYS["access_key"], USER_KEYS["secret_key"])
    sts.answer(signer, "assume_role", role_answer("ASIAROLEEXAMPLE00001", ROLE))
    sts.answer(signer, "assume_role", role_answer("ASIAROLEEXAMPLE00002", OTHER_ROLE))
    params = ASSUME_ROLE_OPTIONS.validate({**USER_KEYS, "cache_dir": str(loose_cache)})
    assert run_role({**params, "role_arn": ROLE}, runtime=runtime()).warnings == [tightened(loose_cache)]
    loose_cache.chmod(0o755)
    results = run_roles(params, [ROLE, OTHER_ROLE], runtime=runtime())
    assert [result.warnings for result in results] == [[tightened(loose_cache)], []]


# -- against the emulator ---------------------------------------------------------------------------------------


@pytest.fixture
def user(emulator):
    """A user with an MFA device, and two roles in other accounts whose trust policies require MFA."""
    emulator.reset_faults()
    return emulator.build_world(roles=[RoleSpec("admin"), RoleSpec("ops")])


def options(world, cache_dir, **more):
    return {
        "access_key": world.access_key_id,
        "secret_key": world.secret_access_key,
        "region": world.region,
        "endpoint_url": world.emulator.endpoint_url,
        "cache_dir": str(cache_dir),
        **more,
    }


def roles_of(world) -> list[str]:
    return [world.roles["admin"].arn, world.roles["ops"].arn]


def coded_roles(world, cache_dir, **more):
    params = ASSUME_ROLE_OPTIONS.validate(
        options(world, cache_dir, mfa_serial_number=world.mfa_serial, mfa_token=world.totp(), **more)
    )
    return params, run_roles(params, roles_of(world), runtime=runtime())


def test_many_roles_without_a_device_buy_no_session(emulator, isolated):
    world = emulator.build_world(roles=[RoleSpec("admin", requires_mfa=False), RoleSpec("ops", requires_mfa=False)])
    params = ASSUME_ROLE_OPTIONS.validate(options(world, isolated / "cache"))
    results = run_roles(params, roles_of(world), runtime=runtime())
    assert [result.identity["account"] for result in results] == [
        world.roles["admin"].account_id,
        world.roles["ops"].account_id,
    ]
    calls = world.calls()
    assert sorted((call.action, call.coded, call.access_key_id) for call in calls) == [
        ("AssumeRole", False, world.access_key_id),
        ("AssumeRole", False, world.access_key_id),
    ]


def test_many_roles_with_a_device_buy_one_session_that_signs_each(user, isolated):
    _params, results = coded_roles(user, isolated / "cache")
    assert [result.identity["account"] for result in results] == [
        user.roles["admin"].account_id,
        user.roles["ops"].account_id,
    ]
    (session,) = user.calls(action="GetSessionToken")
    assert session.coded and session.outcome == "ok" and session.access_key_id == user.access_key_id
    assumed = user.calls(action="AssumeRole")
    assert len(assumed) == 2 and {call.outcome for call in assumed} == {"ok"}
    assert not any(call.coded for call in assumed)
    # Signed by the session's keys, one set for both roles.
    (signer,) = {call.access_key_id for call in assumed}
    assert signer != user.access_key_id and emulator_issued(user, signer).kind == "session"
    # The session signs roles only: no one asked who it acts as.
    assert user.calls(action="GetCallerIdentity") == []


def emulator_issued(world, access_key_id):
    principal = world.emulator.issued(access_key_id)
    assert principal is not None, f"{access_key_id} was not issued by the emulator"
    return principal


@pytest.mark.parametrize(("asked", "sent"), [({}, None), ({"session_duration_seconds": 7200}, 7200)])
def test_the_session_of_many_roles_lasts_what_session_duration_asks_not_what_the_roles_ask(user, isolated, asked, sent):
    coded_roles(user, isolated / "cache", duration_seconds=900, **asked)
    assert [call.duration for call in user.calls(action="GetSessionToken")] == [sent]
    assert [call.duration for call in user.calls(action="AssumeRole")] == [900, 900]


def test_sts_mfa_session_after_many_roles_says_who_the_session_acts_as(user, isolated):
    coded_roles(user, isolated / "cache")
    # The same user, device, duration and endpoint: the same session key; the session bought for the roles does not
    # know who it acts as, which sts_mfa_session returns, so it is not served as it is.
    params = SESSION_OPTIONS.validate(
        options(user, isolated / "cache", mfa_serial_number=user.mfa_serial, mfa_token=user.totp(steps=1))
    )
    result = run_session(params, runtime=runtime())
    assert result.identity == {
        "account": user.account_id,
        "arn": user.user_arn,
        "user_id": result.identity["user_id"],
    }
    assert result.identity["user_id"] and user.calls(action="GetCallerIdentity")


def test_one_code_given_serves_a_role_then_sts_mfa_session(user, isolated):
    code = user.totp()
    role = ASSUME_ROLE_OPTIONS.validate(
        options(user, isolated / "cache", mfa_serial_number=user.mfa_serial, mfa_token=code)
    )
    run_role({**role, "role_arn": roles_of(user)[0]}, runtime=runtime())
    session = SESSION_OPTIONS.validate(
        options(user, isolated / "cache", mfa_serial_number=user.mfa_serial, mfa_token=code)
    )
    assert run_session(session, runtime=runtime()).identity["arn"] == user.user_arn
    assert len(user.calls(action="GetSessionToken")) == 1


def test_a_session_sts_mfa_session_bought_signs_many_roles_with_no_new_code(user, isolated):
    params = SESSION_OPTIONS.validate(
        options(user, isolated / "cache", mfa_serial_number=user.mfa_serial, mfa_token=user.totp())
    )
    run_session(params, runtime=runtime())
    roles = ASSUME_ROLE_OPTIONS.validate(options(user, isolated / "cache", mfa_serial_number=user.mfa_serial))
    results = run_roles(roles, roles_of(user), runtime=runtime())
    assert len(results) == 2 and len(user.calls(action="GetSessionToken")) == 1


def first_role(world, params) -> RoleFetcher:
    """The first role's fetcher, as assume_roles makes it: its lock, its session's key and lock."""
    request = RoleRequest.from_params({**params, "role_arn": roles_of(world)[0]})
    return RoleFetcher(request, request.connection.source_credentials(), None)


def coded_params(world, cache_dir):
    return ASSUME_ROLE_OPTIONS.validate(
        options(world, cache_dir, mfa_serial_number=world.mfa_serial, mfa_token=world.totp())
    )


def session_not_cachable(world, cache_dir) -> RoleFetcher:
    """The session's place in the cache taken (by a directory), so keeping it warns."""
    first = first_role(world, coded_params(world, cache_dir))
    cache_dir.mkdir(mode=0o700)
    (cache_dir / f"{first.session.cache_key}.json").mkdir()
    return first


def not_cached(result) -> list[str]:
    return [warning for warning in result.warnings if warning.startswith("credentials were not cached in ")]


def test_the_sessions_warnings_are_said_once_with_the_first_role(user, isolated, monkeypatch):
    # One worker: the first role buys the session.
    monkeypatch.setattr(exchange, "MAX_PARALLEL_ROLES", 1)
    session_not_cachable(user, isolated / "cache")
    results = run_roles(coded_params(user, isolated / "cache"), roles_of(user), runtime=runtime())
    assert len(not_cached(results[0])) == 1 and results[1].warnings == []
    assert len(user.calls(action="GetSessionToken")) == 1


def test_a_warning_every_role_has_is_said_once_with_the_first_role(user, isolated, monkeypatch):
    # No entry can be written (each one's place is taken): the session's and each role's keep warn alike. One worker:
    # the session is answered again from this process (workers that meet at the lock: see below).
    monkeypatch.setattr(exchange, "MAX_PARALLEL_ROLES", 1)
    params = coded_params(user, isolated / "cache")
    session_not_cachable(user, isolated / "cache")
    for arn in roles_of(user):
        (isolated / "cache" / f"{RoleRequest.from_params({**params, 'role_arn': arn}).cache_key}.json").mkdir()
    results = run_roles(params, roles_of(user), runtime=runtime())
    assert {warning[:31] for warning in results[0].warnings} == {"credentials were not cached in "}
    assert results[1].warnings == []


def test_a_warning_of_one_role_alone_is_said_with_that_role(user, isolated):
    params = coded_params(user, isolated / "cache")
    second = RoleRequest.from_params({**params, "role_arn": roles_of(user)[1]})
    (isolated / "cache").mkdir(mode=0o700)
    (isolated / "cache" / f"{second.cache_key}.json").mkdir()
    results = run_roles(params, roles_of(user), runtime=runtime())
    assert results[0].warnings == [] and len(not_cached(results[1])) == 1


@pytest.mark.parametrize("many", [False, True], ids=["one role", "many roles"])
def test_cache_false_opens_no_cache_dir(user, isolated, monkeypatch, many):
    monkeypatch.setattr(exchange, "MAX_PARALLEL_ROLES", 1)  # the first role's worker buys the session
    never = isolated / "never"
    params = ASSUME_ROLE_OPTIONS.validate(
        options(user, never, mfa_serial_number=user.mfa_serial, mfa_token=user.totp(), cache=False)
    )
    results = run_roles(params, roles_of(user) if many else roles_of(user)[:1], runtime=runtime())
    assert [result.warnings for result in results] == [[]] * len(results) and not never.exists()
    assert len(user.calls(action="GetSessionToken")) == 1
    session = SESSION_OPTIONS.validate(
        options(user, never, mfa_serial_number=user.mfa_serial, mfa_token=user.totp(steps=1), cache=False)
    )
    assert run_session(session, runtime=runtime()).identity["arn"] == user.user_arn
    assert not never.exists()


class WorkersMeetAtTheDevice(Locks):
    """The controller's lock, ordering the workers as parallel ones often are: the first to take the device's lock
    (to buy the MFA session) holds it until another worker waits for it."""

    def __init__(self, device_lock: str) -> None:
        super().__init__()
        self.device_lock = device_lock
        self.another_waits = threading.Event()
        self._requests = 0

    @contextlib.contextmanager
    def __call__(self, name: str):
        first = False
        if name == self.device_lock:
            with self._guard:
                self._requests += 1
                first = self._requests == 1
            if not first:
                self.another_waits.set()
        with super().__call__(name):
            if first:
                self.another_waits.wait(timeout=30)
            yield


def test_with_cache_false_many_roles_share_one_session_however_their_workers_meet(user, isolated):
    params = ASSUME_ROLE_OPTIONS.validate(
        options(user, isolated / "never", mfa_serial_number=user.mfa_serial, mfa_token=user.totp(), cache=False)
    )
    lock = WorkersMeetAtTheDevice(first_role(user, params).session.lock_name())
    results = run_roles(params, roles_of(user), runtime=runtime(lock))
    assert lock.another_waits.is_set()
    assert len(results) == 2 and len(user.calls(action="GetSessionToken")) == 1


def test_many_roles_are_asked_for_twenty_at_a_time(isolated, monkeypatch):
    # A bounded pool: twenty roles take about the time of one, and a long list starts no more threads than that.
    import concurrent.futures

    from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

    pools = []

    class Recorded(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            pools.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    answered = ExchangeResult(Credentials("ASIAROLE", "secret", "token"), None, {}, False, [])
    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", Recorded)
    monkeypatch.setattr(exchange, "fetch", lambda fetcher, runtime: answered)
    params = ASSUME_ROLE_OPTIONS.validate({**USER_KEYS, "cache": False})
    for count in (3, 25):
        arns = [f"arn:aws:iam::{index:012d}:role/Admin" for index in range(1, count + 1)]
        assert run_roles(params, arns, runtime=runtime()) == [answered] * count
    assert pools == [3, 20]


def test_a_coded_assume_role_that_failed_on_awss_side_is_not_sent_again(emulator, isolated):
    # AWS may have checked, and so spent, the code before it failed: botocore's retry would resend it.
    world = emulator.build_world(roles=[RoleSpec("long", max_session_duration=7200)])
    emulator.reset_faults()
    emulator.inject_server_errors(1, 500)
    params = ASSUME_ROLE_OPTIONS.validate(
        options(world, isolated / "cache", role_arn=world.roles["long"].arn, mfa_serial_number=world.mfa_serial,
                mfa_token=world.totp(), duration_seconds=7200, retries=2)
    )
    with pytest.raises(MfaAwsError, match="failed on AWS's side after the request was sent"):
        run_role(params, runtime=runtime())
    assert [(call.action, call.coded, call.outcome) for call in world.calls()] == [
        ("AssumeRole", True, "InternalFailure")
    ]


def test_an_assume_role_without_a_code_is_retried_after_a_failure_on_awss_side(user, isolated):
    run_session(SESSION_OPTIONS.validate(options(user, isolated / "cache", mfa_serial_number=user.mfa_serial,
                                                 mfa_token=user.totp())), runtime=runtime())
    user.emulator.inject_server_errors(1, 500)
    params = ASSUME_ROLE_OPTIONS.validate(
        options(user, isolated / "cache", role_arn=user.roles["admin"].arn, mfa_serial_number=user.mfa_serial,
                retries=2)
    )
    assert run_role(params, runtime=runtime()).identity["account"] == user.roles["admin"].account_id
    assert [(call.coded, call.outcome) for call in user.calls(action="AssumeRole")] == [
        (False, "InternalFailure"),
        (False, "ok"),
    ]


def test_a_coded_session_that_failed_on_awss_side_is_not_sent_again(user, isolated):
    user.emulator.inject_server_errors(1, 500)
    params = SESSION_OPTIONS.validate(
        options(user, isolated / "cache", mfa_serial_number=user.mfa_serial, mfa_token=user.totp(), retries=2)
    )
    with pytest.raises(MfaAwsError, match="failed on AWS's side after the request was sent"):
        run_session(params, runtime=runtime())
    assert [(call.coded, call.outcome) for call in user.calls()] == [(True, "InternalFailure")]


def test_a_session_without_a_code_is_retried_after_a_failure_on_awss_side(user, isolated):
    user.emulator.inject_server_errors(1, 500)
    params = SESSION_OPTIONS.validate(options(user, isolated / "cache", retries=2))
    assert run_session(params, runtime=runtime()).identity["arn"] == user.user_arn
    assert [(call.coded, call.outcome) for call in user.calls(action="GetSessionToken")] == [
        (False, "InternalFailure"),
        (False, "ok"),
    ]
