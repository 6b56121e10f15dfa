"""credential_process's own rules, in process, with STS answered by botocore's Stubber: what is refused before any
call (a run inside another, a profile that leads back to the program, a profile with no device), botocore's
15 minutes kept whatever the lifetime, and the document botocore reads."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._credential_process import (
    NESTED_MARK,
    credentials,
    document,
    enter,
)
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._specs import SESSION_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.credential_cache import CredentialCache
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import REUSE_WINDOW
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import SessionRequest
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult
from tests.unit.plugins.module_utils._sts.support import (
    StubbedSts,
    identity_answer,
    isolate,
    role_answer,
    runtime,
    session_answer,
)

SERIAL = "arn:aws:iam::111111111111:mfa/alice"
ROLE = "arn:aws:iam::222222222222:role/Admin"
USER_ARN = "arn:aws:iam::111111111111:user/alice"
USER = Credentials("AKIAUSEREXAMPLE00001", "user-secret")
SESSION_KEY = "ASIASESSIONEXAMPLE01"

CONFIG = f"""
[profile alice-keys]
mfa_serial = {SERIAL}
region = eu-west-1
[profile alice]
credential_process = mfa-aws-credentials --profile alice-keys
[profile admin]
role_arn = {ROLE}
source_profile = alice-keys
mfa_serial = {SERIAL}
[profile admin-loop]
role_arn = {ROLE}
source_profile = alice
mfa_serial = {SERIAL}
[profile no-device]
region = eu-west-1
[profile admin-no-device]
role_arn = {ROLE}
source_profile = no-device
"""
CREDENTIALS = f"""
[alice-keys]
aws_access_key_id = {USER.access_key}
aws_secret_access_key = {USER.secret_key}
[no-device]
aws_access_key_id = {USER.access_key}
aws_secret_access_key = {USER.secret_key}
"""


@pytest.fixture
def home(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    (tmp_path / "aws-config").write_text(CONFIG)
    (tmp_path / "aws-credentials").write_text(CREDENTIALS)
    return tmp_path


@pytest.fixture
def sts(home, monkeypatch):
    stubbed = StubbedSts.installed(monkeypatch)
    yield stubbed
    stubbed.deactivate()
    stubbed.answered_all()


def run(profile: str | None, home, ask=None, **options):
    return credentials({"profile": profile, "cache_dir": str(home / "cache"), **options}, runtime=runtime(ask=ask))


# -- refused before any call ------------------------------------------------------------------------------------


def test_the_program_marks_its_environment_and_refuses_to_run_inside_itself():
    environ: dict[str, str] = {}
    enter(environ)
    assert environ == {NESTED_MARK: "1"}
    with pytest.raises(MfaAwsError, match=r"^started by another mfa-aws-credentials"):
        enter(environ)


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        (None, "--profile: required, the profile with the IAM user's keys and mfa_serial, or a role's"),
        ("alice", "profile alice has a credential_process of its own, which would run this program again"),
        ("admin-loop", "source_profile alice has a credential_process of its own, which would run this program again"),
        ("no-device", "profile no-device has no mfa_serial: set mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME in it"),
        ("admin-no-device", "profile admin-no-device has no mfa_serial"),
    ],
)
def test_what_cant_work_is_one_line_before_any_call(sts, home, profile, said):
    with pytest.raises(MfaAwsError) as raised:
        run(profile, home)
    assert str(raised.value).startswith(said) and "\n" not in str(raised.value)
    assert sts.calls == []


def test_no_terminal_says_what_to_do_for_this_profile(sts, home):
    def no_terminal(serial, why):
        raise NoTerminal("no terminal")

    with pytest.raises(NoTerminal) as raised:
        run("alice-keys", home, ask=no_terminal)
    assert str(raised.value) == (
        "profile alice-keys needs an MFA code (no cached credentials are left) and there is no terminal to ask on: "
        "run the AWS tool once from a terminal, or add --token-command to the credential_process line"
    )
    assert sts.calls == []


# -- botocore's 15 minutes --------------------------------------------------------------------------------------


def cached_session(home, seconds_left: float) -> None:
    """A 900-second session of alice-keys in the cache, that knows who it acts as."""
    params = SESSION_OPTIONS.validate(
        {"profile": "alice-keys", "duration_seconds": 900, "cache_dir": str(home / "cache")}
    )
    key = SessionRequest.from_params(params).cache_key(USER)
    entry = {**session_answer("ASIACACHEDEXAMPLE001", seconds_left), "CallerIdentity": identity_answer(USER_ARN)}
    CredentialCache.open(str(home / "cache"))[0].put(key, entry)


def test_a_900_second_session_with_more_than_15_minutes_left_serves(sts, home):
    cached_session(home, REUSE_WINDOW + 60)
    result = run("alice-keys", home, duration_seconds=900)
    assert result.cached is True and result.credentials.access_key == "ASIACACHEDEXAMPLE001" and sts.calls == []


def test_a_900_second_session_is_bought_again_with_15_minutes_left_which_the_plugins_would_still_serve(sts, home):
    # The plugins serve it while a third of its life is left (5 minutes); botocore would run the program again on
    # every use of credentials with less than 15 minutes left, so the program buys new ones.
    cached_session(home, REUSE_WINDOW - 60)
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY, 900))
    sts.answer(Credentials(SESSION_KEY, "s", "t"), "get_caller_identity", identity_answer(USER_ARN))
    result = run("alice-keys", home, ask=lambda serial, why: "123456", duration_seconds=900)
    assert result.cached is False and result.credentials.access_key == SESSION_KEY
    assert sts.calls[0] == (
        "GetSessionToken",
        USER.access_key,
        {"SerialNumber": SERIAL, "TokenCode": "123456", "DurationSeconds": 900},
    )


def test_a_role_profile_is_bought_through_the_mfa_session(sts, home):
    sts.answer(USER, "get_session_token", session_answer(SESSION_KEY))
    sts.answer(Credentials(SESSION_KEY, "s", "t"), "assume_role", role_answer("ASIAROLEEXAMPLE00001", ROLE))
    result = run("admin", home, ask=lambda serial, why: "123456")
    assert result.credentials.access_key == "ASIAROLEEXAMPLE00001"
    assert sts.operations() == [("GetSessionToken", USER.access_key), ("AssumeRole", SESSION_KEY)]


# -- what botocore reads ----------------------------------------------------------------------------------------


def test_the_document_is_botocores_version_1():
    expiration = datetime(2027, 1, 15, 8, 0, 0, tzinfo=timezone.utc)
    result = ExchangeResult(Credentials("ASIA", "secret", "token"), expiration, {}, False, [])
    assert document(result) == {
        "Version": 1,
        "AccessKeyId": "ASIA",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": "2027-01-15T08:00:00+00:00",
    }
