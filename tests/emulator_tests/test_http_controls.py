"""The emulator's HTTP controls under /_emulator/, for scripts and for tests that hold only its URL."""

import time
from typing import TYPE_CHECKING

import pytest

from tests.emulator import mfa
from tests.emulator_tests._aws import Keys, control, mfa_session, refusal, s3, start_of_step, sts

if TYPE_CHECKING:
    from tests.emulator import Emulator, World


def test_state_lists_the_endpoint_clock_and_worlds(emulator: "Emulator", world: "World") -> None:
    status, state = control(emulator, "state")
    assert status == 200
    assert state["endpoint_url"] == emulator.endpoint_url
    assert state["region"] == emulator.region
    assert state["clock_offset"] == pytest.approx(emulator.clock.offset)
    assert state["now"] == pytest.approx(time.time() + emulator.clock.offset, abs=30)
    mine = [entry for entry in state["worlds"] if entry["account_id"] == world.account_id]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["user_arn"] == world.user_arn
    assert entry["mfa_serial"] == world.mfa_serial
    assert entry["access_key_id"] == world.access_key_id
    assert entry["buckets"] == world.buckets
    assert {name: role["arn"] for name, role in entry["roles"].items()} == {
        name: role.arn for name, role in world.roles.items()
    }


def test_code_gives_a_code_that_sts_accepts(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    status, answer = control(emulator, "code", query=f"serial={world.mfa_serial}")
    assert status == 200
    assert answer["code"] == world.totp()
    status, ahead = control(emulator, "code", query=f"serial={world.mfa_serial}&steps=1")
    assert ahead["code"] == world.totp(1)
    sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=answer["code"])


def test_code_of_an_unknown_device_is_a_bad_request(emulator: "Emulator") -> None:
    status, answer = control(emulator, "code", query="serial=arn:aws:iam::000000000000:mfa/nobody")
    assert status == 400
    assert "KeyError" in answer["error"]


def test_calls_lists_the_calls_of_the_accounts_asked_for(emulator: "Emulator", world: "World") -> None:
    other = emulator.build_world(roles=[])
    sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp())
    sts(emulator, Keys.of(other)).get_caller_identity()
    status, calls = control(emulator, "calls", query=f"account_ids={world.account_id}")
    assert status == 200
    assert [(call["action"], call["coded"], call["outcome"], call["account_id"]) for call in calls] == [
        ("GetSessionToken", True, "ok", world.account_id)
    ]
    status, both = control(emulator, "calls", query=f"account_ids={world.account_id},{other.account_id}")
    assert [call["action"] for call in both] == ["GetSessionToken", "GetCallerIdentity"]
    assert set(both[0]) == {
        "action",
        "coded",
        "account_id",
        "access_key_id",
        "role_arn",
        "outcome",
        "at",
        "lost",
        "duration",
        "host",
    }


def test_clock_advance_moves_the_clock_forward_only(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world, DurationSeconds=900)
    before = emulator.clock.offset
    status, answer = control(emulator, "clock/advance", {"seconds": 120})
    assert (status, answer) == (200, {"ok": True})
    assert emulator.clock.offset == pytest.approx(before + 120)
    status, answer = control(emulator, "clock/advance", {"seconds": -60})
    assert status == 400 and "forward" in answer["error"]
    assert emulator.clock.offset == pytest.approx(before + 120)
    # Sessions expire by the moved clock: 920 s after this one was issued.
    control(emulator, "clock/advance", {"seconds": 800})
    denied = refusal(sts(emulator, session).get_caller_identity)
    assert (denied.status, denied.code) == (403, "ExpiredToken")


def test_world_builds_a_world_whose_keys_and_device_work(emulator: "Emulator") -> None:
    status, created = control(
        emulator,
        "world",
        {
            "user_name": "carol",
            "bucket_count": 2,
            "roles": [{"name": "ops", "requires_mfa": True, "max_session_duration": 7200}],
        },
    )
    assert status == 200
    assert created["user_arn"] == f"arn:aws:iam::{created['account_id']}:user/carol"
    assert len(created["buckets"]) == 2
    role = created["roles"]["ops"]
    assert role["requires_mfa"] and role["max_session_duration"] == 7200
    keys = Keys(created["access_key_id"], created["secret_access_key"])
    start_of_step(emulator)
    code = control(emulator, "code", query=f"serial={created['mfa_serial']}")[1]
    answer = sts(emulator, keys).get_session_token(SerialNumber=created["mfa_serial"], TokenCode=code["code"])
    session = Keys.from_credentials(answer["Credentials"])
    assert sorted(bucket["Name"] for bucket in s3(emulator, session).list_buckets()["Buckets"]) == sorted(
        created["buckets"]
    )
    # An hour at most: the session's credentials are temporary, so the role is chained.
    assumed = sts(emulator, session).assume_role(RoleArn=role["arn"], RoleSessionName="carol", DurationSeconds=3600)
    assert assumed["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{role['account_id']}:assumed-role/ops/")
    # The new world is in the state like any other.
    state = control(emulator, "state")[1]
    assert created["account_id"] in {entry["account_id"] for entry in state["worlds"]}


def test_world_takes_post_only(emulator: "Emulator") -> None:
    status, answer = control(emulator, "world")
    assert status == 400 and "POST" in answer["error"]


def test_fault_controls(emulator: "Emulator", world: "World") -> None:
    client = sts(emulator, Keys.of(world))
    assert control(emulator, "throttle", {"count": 1}) == (200, {"ok": True})
    assert refusal(client.get_caller_identity).code == "Throttling"
    assert control(emulator, "server-errors", {"count": 1, "status": 503})[0] == 200
    assert refusal(client.get_caller_identity).status == 503
    assert control(emulator, "skew", {"seconds": 3600})[0] == 200
    assert refusal(client.get_caller_identity).code == "SignatureDoesNotMatch"
    assert control(emulator, "skew", {"seconds": 0})[0] == 200
    assert control(emulator, "latency", {"seconds": 1.0})[0] == 200
    started = time.monotonic()
    client.get_caller_identity()
    assert time.monotonic() - started >= 1.0
    # reset clears every fault and the call log.
    control(emulator, "throttle", {"count": 3})
    assert control(emulator, "reset", {}) == (200, {"ok": True})
    assert emulator.calls() == []
    started = time.monotonic()
    assert client.get_caller_identity()["Account"] == world.account_id
    assert time.monotonic() - started < 1.0


def test_an_unknown_control_is_a_bad_request(emulator: "Emulator") -> None:
    status, answer = control(emulator, "no-such-control", {})
    assert status == 400 and "unknown control" in answer["error"]


def test_codes_follow_the_moved_clock(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    control(emulator, "clock/advance", {"seconds": 3 * mfa.STEP})
    answer = control(emulator, "code", query=f"serial={world.mfa_serial}")[1]
    assert answer["code"] == world.totp()
    assert answer["code"] == mfa.totp(world.mfa_seed or "", emulator.clock.now())


def test_lose_answers_and_listings_over_http(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    status, answer = control(emulator, "lose-answers", {"count": 1, "how": "server-error", "status": 503})
    assert (status, answer) == (200, {"ok": True})
    code = world.totp()
    client = sts(emulator, Keys.of(world))
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert (denied.status, denied.code) == (503, "ServiceUnavailable")
    _status, calls = control(emulator, "calls", query=f"account_ids={world.account_id}")
    assert [(call["outcome"], call["lost"]) for call in calls] == [("ok", "server-error")]
    # Any call, not only coded ones, when coded_only is false (in a query string too).
    session = mfa_session(emulator, emulator.build_world(roles=[]))
    status, _unused = control(emulator, "lose-answers", {}, query="count=1&how=server-error&coded_only=false")
    assert status == 200
    refusal(s3(emulator, session).list_buckets)
    s3(emulator, session, region="us-west-2").list_buckets(MaxBuckets=5)
    _status, listings = control(emulator, "listings", query=f"account_ids={world.account_id}")
    assert listings == []
    _status, listings = control(emulator, "listings")
    assert [(call["region"], call["query"], call["lost"]) for call in listings][-2:] == [
        (emulator.region, {}, "server-error"),
        ("us-west-2", {"max-buckets": "5"}, None),
    ]
    status, error = control(emulator, "lose-answers", {"count": 1, "how": "vanished"})
    assert status == 400 and "how must be one of" in error["error"]
