"""GetSessionToken, with STS answered by botocore's Stubber on real clients: what the call sends, the root user's
check before a code is spent, who the session acts as (asked once, with the session's own keys), which entries
may serve it, how long they must have left, and the lock a miss takes."""

from __future__ import annotations

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import runtime_dir
from ansible_collections.mfa.aws.plugins.module_utils._specs import SESSION_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import CredentialCache
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import REUSE_WINDOW, SIGNING_MARGIN, fetch
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import SessionRequest, device_id
from ansible_collections.mfa.aws.plugins.module_utils._sts.session_fetcher import ROOT_SESSION_MAX, SessionFetcher
from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import SpentCodes
from tests.unit.plugins.module_utils._sts.support import Locks, identity_answer, runtime, session_answer

SERIAL = "arn:aws:iam::111111111111:mfa/alice"
USER_ARN = "arn:aws:iam::111111111111:user/alice"
ROOT_ARN = "arn:aws:iam::111111111111:root"
USER = Credentials("AKIAUSEREXAMPLE00001", "user-secret")
SESSION_KEY = "ASIASESSIONEXAMPLE01"
IDENTITY = {"account": "111111111111", "arn": USER_ARN, "user_id": "AIDAEXAMPLE"}


@pytest.fixture
def cache(isolated):
    return CredentialCache.open(str(isolated / "cache"))[0]


def request(identify: bool = True, **options) -> SessionRequest:
    given = {"access_key": USER.access_key, "secret_key": USER.secret_key, "region": "eu-west-1", **options}
    return SessionRequest.from_params(SESSION_OPTIONS.validate(given), identify=identify)


def fetcher(cache: CredentialCache | None = None, identify: bool = True, **options) -> SessionFetcher:
    return SessionFetcher(request(identify, **options), USER, cache)


# -- the call ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "code", "sent"),
    [
        ({}, None, {}),
        ({"duration_seconds": 7200}, None, {"DurationSeconds": 7200}),
        ({"mfa_serial_number": SERIAL}, "123456", {"SerialNumber": SERIAL, "TokenCode": "123456"}),
        (
            {"mfa_serial_number": SERIAL, "duration_seconds": 900},
            "123456",
            {"SerialNumber": SERIAL, "TokenCode": "123456", "DurationSeconds": 900},
        ),
        ({"mfa_serial_number": SERIAL}, None, {}),
    ],
    ids=["plain", "duration", "coded", "coded with duration", "a device but no code"],
)
def test_the_call_sends_the_device_with_a_code_and_the_duration_when_asked(sts, options, code, sent):
    answer = session_answer(SESSION_KEY)
    sts.answer(USER, "get_session_token", answer)
    assert fetcher(**options).call(code) == {"Credentials": answer["Credentials"]}
    assert sts.calls == [("GetSessionToken", USER.access_key, sent)]


# -- the root user's sessions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [{}, {"mfa_serial_number": SERIAL, "mfa_token": "123456"}], ids=["plain", "coded"])
def test_a_root_session_over_an_hour_is_refused_before_the_call(sts, cache, options):
    sts.answer(USER, "get_caller_identity", identity_answer(ROOT_ARN))
    with pytest.raises(MfaAwsError) as raised:
        fetch(fetcher(cache, duration_seconds=ROOT_SESSION_MAX + 1, **options), runtime())
    assert str(raised.value) == (
        "duration_seconds: 3601 is over AWS's limit of 3600 for sessions of the account's root user; ask for 3600 "
        "or less, or better, use an IAM user's keys"
    )
    assert sts.operations() == [("GetCallerIdentity", USER.access_key)]
    assert SpentCodes(SERIAL, runtime_dir()).lookup("123456") is None  # the code was not spent


def test_an_iam_users_session_over_an_hour_is_checked_then_bought(sts, cache):
    sts.answer(USER, "get_caller_identity", identity_answer(USER_ARN))
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY, 7200))
    fetch(fetcher(cache, identify=False, duration_seconds=7200), runtime())
    assert sts.operations() == [("GetCallerIdentity", USER.access_key), ("GetSessionToken", USER.access_key)]


@pytest.mark.parametrize("options", [{}, {"duration_seconds": ROOT_SESSION_MAX}], ids=["default", "an hour"])
def test_an_hour_or_aws_default_asks_no_one_who_signs(sts, cache, options):
    # AWS's default for root is an hour whatever is asked; only a duration over an hour needs the check.
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    fetch(fetcher(cache, identify=False, **options), runtime())
    assert sts.operations() == [("GetSessionToken", USER.access_key)]


# -- who the session acts as ------------------------------------------------------------------------------------


def test_a_session_asks_who_it_acts_as_once_with_its_own_keys_and_keeps_it(sts, cache):
    answer = session_answer(SESSION_KEY)
    sts.answer(USER, "get_session_token", answer)
    sts.answer(
        Credentials(SESSION_KEY, f"{SESSION_KEY}-secret", f"{SESSION_KEY}-token"),
        "get_caller_identity",
        identity_answer(USER_ARN),
    )
    session = fetcher(cache)
    result = fetch(session, runtime())
    assert sts.operations() == [("GetSessionToken", USER.access_key), ("GetCallerIdentity", SESSION_KEY)]
    assert result.identity == IDENTITY and result.cached is False and result.warnings == []
    assert result.credentials.access_key == SESSION_KEY
    kept = cache.get(session.cache_key)
    assert kept["CallerIdentity"] == {"Account": "111111111111", "Arn": USER_ARN, "UserId": "AIDAEXAMPLE"}
    assert kept["Credentials"]["AccessKeyId"] == SESSION_KEY


@pytest.mark.parametrize(("code", "status"), [("AccessDenied", 403), ("InternalFailure", 500)])
def test_a_session_whose_identity_cant_be_read_is_kept_with_a_warning(sts, cache, code, status):
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    sts.refuse(Credentials(SESSION_KEY, "s", "t"), "get_caller_identity", code, "no", status)
    session = fetcher(cache)
    result = fetch(session, runtime())
    assert result.credentials.access_key == SESSION_KEY
    assert result.identity == {"account": None, "arn": None, "user_id": None}
    assert len(result.warnings) == 1 and result.warnings[0].startswith("the session's identity is unknown: ")
    assert "CallerIdentity" not in cache.get(session.cache_key)
    assert sts.operations() == [("GetSessionToken", USER.access_key), ("GetCallerIdentity", SESSION_KEY)]


def test_a_session_bought_only_to_sign_roles_asks_no_one(sts, cache):
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    session = fetcher(cache, identify=False)
    result = fetch(session, runtime())
    assert sts.operations() == [("GetSessionToken", USER.access_key)]
    assert result.identity == {"account": None, "arn": None, "user_id": None}
    assert "CallerIdentity" not in cache.get(session.cache_key)


def test_a_session_that_knows_who_it_acts_as_serves_from_the_cache(sts, cache):
    cache.put(fetcher().cache_key, {**session_answer(SESSION_KEY), "CallerIdentity": identity_answer(USER_ARN)})
    result = fetch(fetcher(cache), runtime())
    assert result.cached is True and result.identity == IDENTITY and sts.calls == []


def test_a_session_bought_to_sign_roles_is_asked_who_it_acts_as_rather_than_bought_again(sts, cache):
    cache.put(fetcher().cache_key, session_answer("ASIAFORROLESEXAMPLE1"))
    assert fetch(fetcher(cache, identify=False), runtime()).credentials.access_key == "ASIAFORROLESEXAMPLE1"
    sts.answer(Credentials("ASIAFORROLESEXAMPLE1", "s", "t"), "get_caller_identity", identity_answer(USER_ARN))
    result = fetch(fetcher(cache), runtime())
    # No code, no GetSessionToken: the session's own keys say who it acts as, and that is kept with it.
    assert result.credentials.access_key == "ASIAFORROLESEXAMPLE1" and result.identity == IDENTITY
    assert result.cached is True
    assert cache.get(fetcher().cache_key)["CallerIdentity"]["Arn"] == USER_ARN


@pytest.mark.parametrize(
    ("identify", "entry", "serves"),
    [
        (True, session_answer(SESSION_KEY), False),
        (True, {**session_answer(SESSION_KEY), "CallerIdentity": identity_answer(USER_ARN)}, True),
        (False, session_answer(SESSION_KEY), True),
        (False, {**session_answer(SESSION_KEY), "CallerIdentity": identity_answer(USER_ARN)}, True),
    ],
    ids=["identify, none", "identify, known", "signs roles, none", "signs roles, known"],
)
def test_which_entries_may_serve(isolated, identify, entry, serves):
    assert fetcher(identify=identify).may_serve(entry) is serves


# -- how long an entry must have left ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "identify", "window"),
    [
        ({}, True, REUSE_WINDOW),
        ({"duration_seconds": 900}, True, 300),
        ({}, False, SIGNING_MARGIN),
        ({"duration_seconds": 900}, False, SIGNING_MARGIN),
        ({"duration_seconds": 129600}, False, SIGNING_MARGIN),
    ],
)
def test_a_session_that_only_signs_roles_serves_while_a_call_can_be_signed(isolated, options, identify, window):
    assert SIGNING_MARGIN == 60
    assert fetcher(identify=identify, **options).window() == window


def test_a_fixed_window_holds_for_a_session_that_says_who_it_acts_as_only(isolated):
    fixed = request()._replace(cache=request().cache._replace(window=REUSE_WINDOW))
    assert SessionFetcher(fixed, USER, None).window() == REUSE_WINDOW
    signing = fixed._replace(identify=False, duration=900)
    assert SessionFetcher(signing, USER, None).window() == SIGNING_MARGIN


def test_a_session_with_two_minutes_left_still_signs_a_role(sts, cache):
    cache.put(fetcher().cache_key, session_answer("ASIAOLDEXAMPLE000001", seconds=120))
    assert fetch(fetcher(cache, identify=False), runtime()).cached is True and sts.calls == []


# -- the lock ---------------------------------------------------------------------------------------------------


def test_a_miss_takes_the_devices_lock_whatever_the_duration(isolated):
    one = fetcher(mfa_serial_number=SERIAL).lock_name()
    assert one == f"mfa-aws-{device_id(SERIAL)}.lock"
    assert fetcher(mfa_serial_number=SERIAL, duration_seconds=900).lock_name() == one
    assert fetcher(mfa_serial_number="arn:aws:iam::111111111111:mfa/bob").lock_name() != one


def test_without_a_device_a_miss_takes_the_requests_lock(isolated):
    plain = fetcher()
    assert plain.lock_name() == f"mfa-aws-{device_id(plain.cache_key)}.lock"
    assert fetcher(duration_seconds=900).lock_name() != plain.lock_name()


def test_a_miss_takes_the_lock_once_and_records_the_code_it_spends(sts, cache):
    answer = session_answer(SESSION_KEY)
    sts.answer(USER, "get_session_token", answer)
    locks = Locks()
    session = fetcher(cache, identify=False, mfa_serial_number=SERIAL, mfa_token="123456")
    fetch(session, runtime(locks))
    assert locks.taken == [session.lock_name()]
    spent = SpentCodes(SERIAL, runtime_dir()).lookup("123456")
    assert spent.key == session.cache_key and spent.operation == "GetSessionToken" and spent.error is None
    assert spent.until == answer["Credentials"]["Expiration"].timestamp()
