"""AssumeRole: which entries may serve a request (its signer, its endpoint, the aws CLI's own), when a role is
bought through the MFA session, and what is refused before a code is spent; then its calls, with STS answered by
botocore's Stubber: through the session or with the code, what is kept, and a session AWS no longer accepts."""

from __future__ import annotations

import time

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import runtime_dir
from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import CredentialCache
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import fetch
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest, signer_digest
from ansible_collections.mfa.aws.plugins.module_utils._sts.role_fetcher import ENDPOINT_FIELD, SIGNER_FIELD, RoleFetcher
from ansible_collections.mfa.aws.plugins.module_utils._sts.spent_codes import SpentCodes
from tests.unit.plugins.module_utils._sts.support import role_answer, runtime, session_answer

ROLE = "arn:aws:iam::222222222222:role/Admin"
SERIAL = "arn:aws:iam::111111111111:mfa/alice"
USER = Credentials("AKIAUSER", "user-secret")
OTHER_USER = Credentials("AKIAOTHER", "other-secret")
SESSION = Credentials("ASIASESSION", "session-secret", "token")


@pytest.fixture(autouse=True)
def no_ambient_configuration(monkeypatch, tmp_path):
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def request(**options) -> RoleRequest:
    return RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({"role_arn": ROLE, **options}))


def fetcher(signer=USER, **options) -> RoleFetcher:
    return RoleFetcher(request(**options), signer, None)


def entry(**fields):
    return {
        "Credentials": {
            "AccessKeyId": "ASIA",
            "SecretAccessKey": "s",
            "SessionToken": "t",
            "Expiration": "2099-01-01Z",
        },
        **fields,
    }


def ours(signer=USER, endpoint="aws:aws"):
    return entry(**{SIGNER_FIELD: signer_digest(signer), ENDPOINT_FIELD: endpoint})


def test_an_entry_of_ours_serves_its_signer_at_its_endpoint_only():
    role = fetcher(mfa_serial_number=SERIAL)
    assert role.may_serve(ours())
    assert not role.may_serve(ours(signer=OTHER_USER))
    assert not role.may_serve(ours(endpoint="http://127.0.0.1:5000"))
    assert not role.may_serve(entry(**{SIGNER_FIELD: signer_digest(USER)}))  # written before entries named endpoints


def test_the_endpoint_an_entry_names_is_the_one_the_request_resolves(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/")
    assert fetcher().may_serve(ours(endpoint="http://127.0.0.1:5000"))
    assert fetcher(endpoint_url="http://localhost:5000").may_serve(ours(endpoint="http://localhost:5000"))
    assert not fetcher(endpoint_url="http://localhost:5000").may_serve(ours(endpoint="http://127.0.0.1:5000"))


def test_the_partition_is_part_of_the_endpoint():
    assert fetcher(region="cn-north-1").may_serve(ours(endpoint="aws:aws-cn"))
    assert not fetcher(region="cn-north-1").may_serve(ours(endpoint="aws:aws"))
    assert fetcher(region="eu-west-1").may_serve(ours(endpoint="aws:aws"))


def test_the_aws_clis_entry_serves_a_request_naming_the_device():
    cli = entry()  # names neither signer nor endpoint
    assert fetcher(mfa_serial_number=SERIAL).may_serve(cli)
    assert fetcher(signer=OTHER_USER, mfa_serial_number=SERIAL).may_serve(cli)  # the device names the user


def test_the_aws_clis_entry_does_not_serve_a_request_without_a_device():
    assert not fetcher().may_serve(entry())


def test_the_aws_clis_entry_does_not_serve_a_request_naming_its_own_endpoint():
    assert not fetcher(mfa_serial_number=SERIAL, endpoint_url="http://127.0.0.1:5000").may_serve(entry())


def test_the_device_is_part_of_the_key_as_the_cli_computes_it():
    with_device, without = request(mfa_serial_number=SERIAL), request()
    assert with_device.cache_key != without.cache_key
    assert with_device.cache_key != request(mfa_serial_number="arn:aws:iam::111111111111:mfa/bob").cache_key


@pytest.mark.parametrize(
    ("signer", "options", "through_session"),
    [
        (USER, {"mfa_serial_number": SERIAL}, True),
        (USER, {"mfa_serial_number": SERIAL, "duration_seconds": 3600}, True),
        (USER, {"mfa_serial_number": SERIAL, "duration_seconds": 3601}, False),
        (SESSION, {"mfa_serial_number": SERIAL}, False),
        (USER, {}, False),
    ],
)
def test_a_role_is_bought_through_the_mfa_session_when_a_device_and_long_term_keys_ask_an_hour_or_less(
    signer, options, through_session
):
    role = fetcher(signer=signer, **options)
    assert (role.session is not None) == through_session
    if role.session is not None:
        assert role.session.request.identify is False
        assert role.session.request.code.serial == SERIAL
        assert role.session.asked_for == "AssumeRole"


def test_the_session_lasts_what_session_duration_seconds_asks():
    role = fetcher(mfa_serial_number=SERIAL, session_duration_seconds=129600)
    assert role.session.request.duration == 129600
    with pytest.raises(MfaAwsError, match="session_duration_seconds"):
        request(mfa_serial_number=SERIAL, session_duration_seconds=129601)


def test_over_an_hour_with_temporary_credentials_is_refused_before_any_call():
    with pytest.raises(MfaAwsError, match="over AWS's limit of 3600 for a role assumed with temporary credentials"):
        fetcher(signer=SESSION, duration_seconds=3601).precheck()
    fetcher(signer=SESSION, duration_seconds=3600).precheck()
    fetcher(signer=USER, duration_seconds=43200).precheck()


def test_a_miss_takes_the_devices_lock_when_it_spends_a_code_else_the_roles():
    direct = fetcher(mfa_serial_number=SERIAL, duration_seconds=7200)
    through = fetcher(mfa_serial_number=SERIAL)
    plain = fetcher()
    assert direct.lock_name() == through.session.lock_name()  # one lock per device
    assert through.lock_name() != direct.lock_name()
    assert plain.lock_name() not in (direct.lock_name(), through.lock_name())


# -- the calls, with STS answered by botocore's Stubber ---------------------------------------------------------

SESSION_KEY, RENEWED_KEY, ROLE_KEY = "ASIASESSIONEXAMPLE01", "ASIARENEWEDEXAMPLE01", "ASIAROLEEXAMPLE00001"
REFUSED_BY_TRUST_POLICY = "User: arn:aws:sts::111111111111:assumed-role is not authorized to perform: sts:AssumeRole"


def signer_of(key_id: str) -> Credentials:
    return Credentials(key_id, f"{key_id}-secret", f"{key_id}-token")


@pytest.fixture
def cache(isolated):
    return CredentialCache.open(str(isolated / "cache"))[0]


def bought(cache, signer=USER, **options) -> RoleFetcher:
    return RoleFetcher(request(region="eu-west-1", **options), signer, cache)


class Terminal:
    """The person at the controller: types the codes given, in turn, and is asked why."""

    def __init__(self, *codes: str) -> None:
        self.codes, self.asked = list(codes), []

    def __call__(self, serial: str, why: str | None) -> str:
        self.asked.append(why)
        return self.codes.pop(0)


def made_up_name(params: dict, before: float) -> bool:
    name = params["RoleSessionName"]
    return name.startswith("mfa-aws-") and int(before) <= int(name[len("mfa-aws-") :]) <= int(time.time())


def test_through_the_session_the_code_buys_the_session_and_the_sessions_keys_sign_assume_role(sts, cache):
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    sts.answer(signer_of(SESSION_KEY), "assume_role", role_answer(ROLE_KEY, ROLE))
    role, before = bought(cache, mfa_serial_number=SERIAL, mfa_token="123456"), time.time()
    result = fetch(role, runtime())
    assert result.credentials.access_key == ROLE_KEY and result.cached is False
    (session_call, role_call) = sts.calls
    assert session_call == ("GetSessionToken", USER.access_key, {"SerialNumber": SERIAL, "TokenCode": "123456"})
    operation, signed_by, params = role_call
    assert (operation, signed_by) == ("AssumeRole", SESSION_KEY)
    assert set(params) == {"RoleArn", "RoleSessionName"} and params["RoleArn"] == ROLE  # no device, no code
    assert made_up_name(params, before)
    # The session is kept for the next role and the next renewal; it was not asked who it acts as.
    assert cache.get(role.session.cache_key)["Credentials"]["AccessKeyId"] == SESSION_KEY
    assert "CallerIdentity" not in cache.get(role.session.cache_key)


@pytest.mark.parametrize(
    ("signer", "options"),
    [
        (USER, {"duration_seconds": 7200}),
        (signer_of("ASIACALLEREXAMPLE001"), {}),
    ],
    ids=["over an hour", "signed by temporary keys"],
)
def test_directly_the_code_and_the_device_go_with_assume_role(sts, cache, signer, options):
    sts.answer(signer, "assume_role", role_answer(ROLE_KEY, ROLE, seconds=options.get("duration_seconds", 3600)))
    before = time.time()
    fetch(bought(cache, signer, mfa_serial_number=SERIAL, mfa_token="123456", **options), runtime())
    ((operation, signed_by, params),) = sts.calls
    assert (operation, signed_by) == ("AssumeRole", signer.access_key)
    assert params == {
        "RoleArn": ROLE,
        "RoleSessionName": params["RoleSessionName"],
        "SerialNumber": SERIAL,
        "TokenCode": "123456",
        **({"DurationSeconds": 7200} if options else {}),
    }
    assert made_up_name(params, before)


def test_without_a_device_no_code_and_no_session(sts, cache):
    sts.answer(USER, "assume_role", role_answer(ROLE_KEY, ROLE))
    role = bought(cache, external_id="x-1")
    result = fetch(role, runtime())
    ((operation, signed_by, params),) = sts.calls
    assert (operation, signed_by) == ("AssumeRole", USER.access_key)
    assert set(params) == {"RoleArn", "RoleSessionName", "ExternalId"}
    # Bought, not found; and kept, so that the next request is served without a call.
    assert result.cached is False
    assert cache.get(role.cache_key)["Credentials"]["AccessKeyId"] == ROLE_KEY
    again = fetch(bought(cache, external_id="x-1"), runtime())
    assert again.cached is True and again.credentials == result.credentials and len(sts.calls) == 1


def test_without_a_device_over_an_hour_with_temporary_keys_is_refused_before_the_call(sts, cache):
    # No code to save, but the same one line instead of AWS's ValidationError.
    with pytest.raises(MfaAwsError, match="over AWS's limit of 3600 for a role assumed with temporary credentials"):
        fetch(bought(cache, signer_of("ASIACALLEREXAMPLE001"), duration_seconds=7200), runtime())
    assert sts.calls == []


@pytest.mark.parametrize("options", [{}, {"duration_seconds": 7200}], ids=["through the session", "directly"])
def test_a_named_session_is_the_name_sent(sts, cache, options):
    session_signer = signer_of(SESSION_KEY)
    if not options:
        sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    sts.answer(session_signer if not options else USER, "assume_role", role_answer(ROLE_KEY, ROLE))
    fetch(bought(cache, mfa_serial_number=SERIAL, mfa_token="123456", role_session_name="deploy", **options), runtime())
    assert sts.calls[-1][0] == "AssumeRole" and sts.calls[-1][2]["RoleSessionName"] == "deploy"


@pytest.mark.parametrize(
    ("options", "endpoint"),
    [({}, "aws:aws"), ({"endpoint_url": "http://127.0.0.1:5000/"}, "http://127.0.0.1:5000")],
    ids=["aws's", "given"],
)
def test_what_is_kept_names_the_keys_that_bought_it_and_the_sts_that_issued_it(sts, cache, options, endpoint):
    answer = {**role_answer(ROLE_KEY, ROLE), "SourceIdentity": "alice"}
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    sts.answer(signer_of(SESSION_KEY), "assume_role", answer)
    role = bought(cache, mfa_serial_number=SERIAL, mfa_token="123456", **options)
    fetch(role, runtime())
    kept = cache.get(role.cache_key)
    # The user's keys bought it (through the session they bought): the next request signed by them finds it.
    assert kept[SIGNER_FIELD] == signer_digest(USER) and kept[ENDPOINT_FIELD] == endpoint
    assert set(kept) == {"Credentials", "AssumedRoleUser", "SourceIdentity", SIGNER_FIELD, ENDPOINT_FIELD}
    assert kept["AssumedRoleUser"] == answer["AssumedRoleUser"] and kept["SourceIdentity"] == "alice"
    assert role.may_serve(kept)


# -- a session AWS no longer accepts for the role (aws:MultiFactorAuthAge) ---------------------------------------


def cached_session(cache, role: RoleFetcher, key_id: str = SESSION_KEY, bought_ago: int = 3600) -> None:
    """A session bought `bought_ago` seconds ago, in the cache (its default life is 12 hours)."""
    cache.put(role.session.cache_key, session_answer(key_id, seconds=43200 - bought_ago))


@pytest.mark.parametrize(
    ("bought_ago", "ago"),
    [(3600, "about 60 minutes"), (150, "about 2 minutes"), (90, "about 1 minute"), (30, "less than a minute")],
)
def test_a_role_refused_to_a_cached_session_buys_a_new_session_once_and_tries_once_more(sts, cache, bought_ago, ago):
    role = bought(cache, mfa_serial_number=SERIAL)
    cached_session(cache, role, bought_ago=bought_ago)
    sts.refuse(signer_of(SESSION_KEY), "assume_role", "AccessDenied", REFUSED_BY_TRUST_POLICY)
    sts.answer(USER, "get_session_token", session_answer(RENEWED_KEY))
    sts.answer(signer_of(RENEWED_KEY), "assume_role", role_answer(ROLE_KEY, ROLE))
    terminal = Terminal("654321")
    result = fetch(role, runtime(ask=terminal))
    assert result.credentials.access_key == ROLE_KEY
    assert sts.operations() == [
        ("AssumeRole", SESSION_KEY),
        ("GetSessionToken", USER.access_key),
        ("AssumeRole", RENEWED_KEY),
    ]
    assert sts.calls[1][2] == {"SerialNumber": SERIAL, "TokenCode": "654321"}
    assert terminal.asked == [
        f"AssumeRole on {ROLE} was refused with the MFA session bought {ago} ago (the role's trust "
        "policy may limit aws:MultiFactorAuthAge), so a new MFA code is due"
    ]
    assert cache.get(role.session.cache_key)["Credentials"]["AccessKeyId"] == RENEWED_KEY


def test_a_role_refused_to_the_renewed_session_too_is_refused(sts, cache):
    role = bought(cache, mfa_serial_number=SERIAL)
    cached_session(cache, role)
    sts.refuse(signer_of(SESSION_KEY), "assume_role", "AccessDenied", REFUSED_BY_TRUST_POLICY)
    sts.answer(USER, "get_session_token", session_answer(RENEWED_KEY))
    sts.refuse(signer_of(RENEWED_KEY), "assume_role", "AccessDenied", REFUSED_BY_TRUST_POLICY)
    with pytest.raises(AwsCallError) as raised:
        fetch(role, runtime(ask=Terminal("654321")))
    assert raised.value.aws_code == "AccessDenied"
    assert sts.operations() == [
        ("AssumeRole", SESSION_KEY),
        ("GetSessionToken", USER.access_key),
        ("AssumeRole", RENEWED_KEY),
    ]


def test_a_role_refused_to_a_session_bought_in_the_same_call_is_refused_as_is(sts, cache):
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    sts.refuse(signer_of(SESSION_KEY), "assume_role", "AccessDenied", REFUSED_BY_TRUST_POLICY)
    terminal = Terminal("123456", "654321")
    with pytest.raises(AwsCallError, match=f"^AssumeRole on {ROLE} was refused: the role's trust policy"):
        fetch(bought(cache, mfa_serial_number=SERIAL), runtime(ask=terminal))
    assert sts.operations() == [("GetSessionToken", USER.access_key), ("AssumeRole", SESSION_KEY)]
    assert terminal.asked == [None]


def test_another_refusal_with_a_cached_session_is_not_a_reason_for_a_new_code(sts, cache):
    role = bought(cache, mfa_serial_number=SERIAL)
    cached_session(cache, role)
    sts.refuse(signer_of(SESSION_KEY), "assume_role", "ValidationError", "the policy is too long", 400)
    with pytest.raises(AwsCallError, match="refused a parameter"):
        fetch(role, runtime(ask=Terminal("654321")))
    assert sts.operations() == [("AssumeRole", SESSION_KEY)]


def test_a_given_code_that_bought_the_refused_session_is_not_sent_again(sts, cache):
    role = bought(cache, mfa_serial_number=SERIAL, mfa_token="123456")
    cached_session(cache, role)
    spent = SpentCodes(SERIAL, runtime_dir())
    spent.record("123456", role.session.cache_key, "GetSessionToken")
    spent.settle("123456", until=time.time() + 43200 - 3600)
    sts.refuse(signer_of(SESSION_KEY), "assume_role", "AccessDenied", REFUSED_BY_TRUST_POLICY)
    with pytest.raises(MfaAwsError) as raised:
        fetch(role, runtime())
    said = str(raised.value)
    assert said.startswith(
        f"AssumeRole was not called: AssumeRole on {ROLE} was refused with the MFA session bought about 60 minutes "
        "ago (the role's trust policy may limit aws:MultiFactorAuthAge), so a new MFA code is due, and the MFA code "
        "given (mfa_token) was sent to AWS at "
    )
    assert said.endswith(
        "and AWS accepts a code once, and it bought that session. Give the code your device shows now "
        "(-e mfa_code=NNNNNN), or leave mfa_token unset to be asked for it, or set mfa_token_command"
    )
    assert "\n" not in said and sts.operations() == [("AssumeRole", SESSION_KEY)]


def test_an_entry_other_keys_bought_is_not_told_as_what_the_code_bought(sts, cache):
    # The user's keys were rotated: under the CLI's key (which names no signer) sits what the old keys bought.
    role = bought(cache, mfa_serial_number=SERIAL, mfa_token="123456", duration_seconds=7200)
    theirs = {**role_answer(ROLE_KEY, ROLE), SIGNER_FIELD: signer_digest(OTHER_USER), ENDPOINT_FIELD: "aws:aws"}
    cache.put(role.cache_key, theirs)
    spent = SpentCodes(SERIAL, runtime_dir())
    spent.record("123456", role.cache_key, "AssumeRole")
    spent.settle("123456", until=time.time() + 7200)
    with pytest.raises(MfaAwsError) as raised:
        fetch(role, runtime())
    said = str(raised.value)
    assert said.startswith("AssumeRole was not called: the MFA code given (mfa_token) was sent to AWS at ")
    assert "less than a minute left" not in said and sts.calls == []
