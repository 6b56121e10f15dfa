"""What tests can do to the emulator from Python: inject throttling, server errors and latency, lose answers
after the code was spent, and count the STS calls it answered by action, by whether they carried a code, and
by account."""

import time
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from tests.emulator_tests._aws import (
    INVALID_CODE,
    Keys,
    code_outside_window,
    mfa_session,
    refusal,
    s3,
    start_of_step,
    sts,
)

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

RETRY = {"mode": "standard", "total_max_attempts": 4}


# -- Throttling ----------------------------------------------------------------------------------------


def test_throttled_sts_calls_answer_throttling(emulator: "Emulator", world: "World") -> None:
    emulator.inject_throttling(1)
    denied = refusal(sts(emulator, Keys.of(world)).get_caller_identity)
    assert (denied.status, denied.code, denied.message) == (400, "Throttling", "Rate exceeded")
    # Used up: the next call is answered.
    assert sts(emulator, Keys.of(world)).get_caller_identity()["Account"] == world.account_id
    assert [call.outcome for call in world.calls(action="GetCallerIdentity")] == ["Throttling", "ok"]


def test_botocore_retries_through_throttling(emulator: "Emulator", world: "World") -> None:
    emulator.inject_throttling(2)
    identity = sts(emulator, Keys.of(world), retries=RETRY).get_caller_identity()
    assert identity["Account"] == world.account_id
    calls = world.calls(action="GetCallerIdentity")
    assert [call.outcome for call in calls] == ["Throttling", "Throttling", "ok"]
    assert {call.account_id for call in calls} == {world.account_id}


def test_a_throttled_call_does_not_spend_the_code(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    emulator.inject_throttling(2)
    # botocore sends the same code three times; only the answered attempt checks it.
    sts(emulator, Keys.of(world), retries=RETRY).get_session_token(
        SerialNumber=world.mfa_serial, TokenCode=world.totp()
    )
    calls = world.calls(action="GetSessionToken", coded=True)
    assert [call.outcome for call in calls] == ["Throttling", "Throttling", "ok"]


def test_throttled_list_buckets_answers_slow_down(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    emulator.inject_throttling(1)
    denied = refusal(s3(emulator, session).list_buckets)
    assert (denied.status, denied.code, denied.message) == (503, "SlowDown", "Please reduce your request rate.")
    emulator.inject_throttling(2)
    answer = s3(emulator, session, retries=RETRY).list_buckets()
    assert [bucket["Name"] for bucket in answer["Buckets"]] == sorted(world.buckets)


def test_throttling_can_be_cancelled(emulator: "Emulator", world: "World") -> None:
    emulator.inject_throttling(5)
    emulator.inject_throttling(0)
    sts(emulator, Keys.of(world)).get_caller_identity()
    assert [call.outcome for call in world.calls()] == ["ok"]


# -- Server errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "InternalFailure"), (503, "ServiceUnavailable")],
)
def test_server_errors_answer_the_status_asked_for(
    emulator: "Emulator", world: "World", status: int, code: str
) -> None:
    emulator.inject_server_errors(1, status=status)
    denied = refusal(sts(emulator, Keys.of(world)).get_caller_identity)
    assert (denied.status, denied.code) == (status, code)
    assert [call.outcome for call in world.calls()] == [code]


def test_botocore_retries_through_server_errors(emulator: "Emulator", world: "World") -> None:
    emulator.inject_server_errors(2)
    assert sts(emulator, Keys.of(world), retries=RETRY).get_caller_identity()["Account"] == world.account_id
    assert [call.outcome for call in world.calls()] == ["InternalFailure", "InternalFailure", "ok"]
    session = mfa_session(emulator, world)
    emulator.inject_server_errors(1)
    denied = refusal(s3(emulator, session).list_buckets)
    assert (denied.status, denied.code, denied.message) == (
        500,
        "InternalError",
        "We encountered an internal error. Please try again.",
    )
    emulator.inject_server_errors(1, status=503)
    denied = refusal(s3(emulator, session).list_buckets)
    assert (denied.status, denied.code) == (503, "ServiceUnavailable")
    emulator.inject_server_errors(1)
    assert s3(emulator, session, retries=RETRY).list_buckets()["Buckets"]


# -- Latency -------------------------------------------------------------------------------------------


def test_latency_delays_sts_and_list_buckets(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    sts_client, s3_client = sts(emulator, session), s3(emulator, session)
    emulator.set_latency(1.0)
    started = time.monotonic()
    sts_client.get_caller_identity()
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    s3_client.list_buckets()
    assert time.monotonic() - started >= 1.0
    emulator.set_latency(0)
    started = time.monotonic()
    sts_client.get_caller_identity()
    assert time.monotonic() - started < 1.0


# -- Counting calls ------------------------------------------------------------------------------------


def test_calls_are_counted_by_action_code_and_account(emulator: "Emulator", world: "World") -> None:
    other = emulator.build_world(roles=[])
    start_of_step(emulator)
    client = sts(emulator, Keys.of(world))
    client.get_session_token()  # uncoded
    refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code_outside_window(world)))
    session = client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp())
    role = world.roles["admin"]
    assumed = sts(emulator, Keys.from_credentials(session["Credentials"])).assume_role(
        RoleArn=role.arn, RoleSessionName="counted"
    )
    sts(emulator, Keys.from_credentials(assumed["Credentials"])).get_caller_identity()
    sts(emulator, Keys.of(other)).get_session_token(SerialNumber=other.mfa_serial, TokenCode=other.totp())

    mine = world.calls()
    assert [(call.action, call.coded, call.outcome) for call in mine] == [
        ("GetSessionToken", False, "ok"),
        ("GetSessionToken", True, "AccessDenied"),
        ("GetSessionToken", True, "ok"),
        ("AssumeRole", False, "ok"),
        ("GetCallerIdentity", False, "ok"),
    ]
    assert len(world.calls(action="GetSessionToken")) == 3
    assert len(world.calls(action="GetSessionToken", coded=True)) == 2
    assert len(world.calls(coded=False)) == 3
    # Each call is filed under the caller's account: the user's, then the role's.
    assert [call.account_id for call in mine] == [world.account_id] * 4 + [role.account_id]
    assert [call.role_arn for call in mine if call.action == "AssumeRole"] == [role.arn]
    assert len(emulator.calls(account_ids={role.account_id})) == 1
    # The other world's call is not in this world's, and the other way round.
    theirs = other.calls()
    assert [(call.action, call.coded, call.outcome) for call in theirs] == [("GetSessionToken", True, "ok")]
    assert {call.access_key_id for call in theirs} == {other.access_key_id}
    everyone = emulator.calls(action="GetSessionToken", coded=True, account_ids={world.account_id, other.account_id})
    assert len(everyone) == 3
    # Calls are stamped with the emulator's clock, oldest first.
    stamps = [call.at for call in mine]
    assert stamps == sorted(stamps) and abs(stamps[-1] - emulator.clock.now()) < 60


def test_calls_made_with_unknown_keys_have_no_account(emulator: "Emulator") -> None:
    key = "AKIA" + "Q" * 16
    refusal(sts(emulator, Keys(key, "x" * 40)).get_caller_identity)
    mine = [call for call in emulator.calls(account_ids={""}) if call.access_key_id == key]
    assert [(call.action, call.outcome) for call in mine] == [("GetCallerIdentity", "InvalidClientTokenId")]


def test_list_buckets_is_not_an_sts_call(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    before = len(world.calls())
    s3(emulator, session).list_buckets()
    assert len(world.calls()) == before


def test_a_refused_code_is_counted_as_coded(emulator: "Emulator", world: "World") -> None:
    denied = refusal(
        lambda: sts(emulator, Keys.of(world)).get_session_token(
            SerialNumber=world.mfa_serial, TokenCode=code_outside_window(world)
        )
    )
    assert denied.message == INVALID_CODE
    assert [(call.coded, call.outcome) for call in world.calls()] == [(True, "AccessDenied")]


# -- Answers lost after the code was spent -------------------------------------------------------------------


def test_a_server_error_after_the_check_leaves_the_code_spent(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    emulator.lose_answers(1, "server-error")
    client = sts(emulator, Keys.of(world))
    code = world.totp()
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert (denied.status, denied.code) == (500, "InternalFailure")
    # AWS accepted the code before the answer was lost: sending it again is refused.
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert (denied.code, denied.message) == ("AccessDenied", INVALID_CODE)
    assert [(call.outcome, call.lost) for call in world.calls(coded=True)] == [
        ("ok", "server-error"),
        ("AccessDenied", None),
    ]


def test_a_dropped_connection_after_the_check_leaves_the_code_spent(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    emulator.lose_answers(1, "dropped")
    client = sts(emulator, Keys.of(world))
    code = world.totp()
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert (denied.code, denied.message) == ("AccessDenied", INVALID_CODE)
    assert [(call.outcome, call.lost) for call in world.calls(coded=True)] == [
        ("ok", "dropped"),
        ("AccessDenied", None),
    ]


def test_an_answer_later_than_the_read_timeout_leaves_the_code_spent(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    emulator.lose_answers(1, "delayed", seconds=3)
    impatient = boto3.session.Session().client(
        "sts",
        endpoint_url=emulator.endpoint_url,
        region_name=emulator.region,
        aws_access_key_id=world.access_key_id,
        aws_secret_access_key=world.secret_access_key,
        config=Config(read_timeout=1, retries={"mode": "standard", "total_max_attempts": 1}),
    )
    code = world.totp()
    with pytest.raises(ReadTimeoutError):
        impatient.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)
    denied = refusal(
        lambda: sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)
    )
    assert (denied.code, denied.message) == ("AccessDenied", INVALID_CODE)
    assert [(call.outcome, call.lost) for call in world.calls(coded=True)] == [
        ("ok", "delayed"),
        ("AccessDenied", None),
    ]


def test_lost_answers_wait_for_a_coded_call_unless_told_otherwise(emulator: "Emulator", world: "World") -> None:
    emulator.lose_answers(1, "server-error")
    client = sts(emulator, Keys.of(world))
    client.get_caller_identity()  # not coded: answered
    refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp()))
    session = mfa_session(emulator, emulator.build_world(roles=[]))
    emulator.lose_answers(1, "server-error", coded_only=False)
    denied = refusal(s3(emulator, session).list_buckets)
    assert (denied.status, denied.code) == (500, "InternalError")
    assert [call.lost for call in emulator.listings()][-1] == "server-error"


def test_a_call_refused_before_the_check_loses_nothing(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    emulator.inject_throttling(1)
    emulator.lose_answers(1, "server-error")
    client = sts(emulator, Keys.of(world), retries=RETRY)
    # botocore retries the throttled call, whose answer is lost after the check, and retries that too: the
    # third send of the code is AWS's refusal of a spent code. This is why a lost answer must not be retried.
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp()))
    assert (denied.code, denied.message) == ("AccessDenied", INVALID_CODE)
    assert [(call.outcome, call.lost) for call in world.calls(coded=True)] == [
        ("Throttling", None),
        ("ok", "server-error"),
        ("AccessDenied", None),
    ]


def test_lose_answers_refuses_what_it_cannot_do(emulator: "Emulator") -> None:
    with pytest.raises(ValueError, match="how must be one of"):
        emulator.lose_answers(1, "vanished")
    with pytest.raises(ValueError, match="seconds > 0"):
        emulator.lose_answers(1, "delayed")


@pytest.mark.parametrize("how", ["cut-short", "cut-off", "damaged"])
def test_an_answer_damaged_after_its_secret_key_leaves_the_code_spent(
    emulator: "Emulator", world: "World", how: str
) -> None:
    from botocore.parsers import ResponseParserError

    start_of_step(emulator)
    emulator.lose_answers(1, how)
    client = sts(emulator, Keys.of(world))
    code = world.totp()
    with pytest.raises(ResponseParserError) as raised:
        client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)
    # What botocore's parser says quotes the answer: the new secret key is in it, as a real cut would have it.
    assert any(secret in str(raised.value) for secret in emulator.issued_secret_keys())
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert (denied.code, denied.message) == ("AccessDenied", INVALID_CODE)
    assert [(call.outcome, call.lost) for call in world.calls(coded=True)] == [("ok", how), ("AccessDenied", None)]
