"""Sessions: the MFA context they carry into AssumeRole, who may call GetSessionToken, how long each
kind may last, and what STS and S3 answer once one has expired."""

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from tests.emulator import RoleSpec
from tests.emulator_tests._aws import Keys, mfa_session, plain_session, refusal, s3, sts
from tests.harness.clock import private_emulator
from tests.reliability.aws_rules import model_member

if TYPE_CHECKING:
    from tests.emulator import Emulator, World


#: Seconds that may pass between STS issuing credentials and the test reading them, on a busy machine.
SLACK = 30


def _not_authorized(arn: str, role_arn: str) -> str:
    return f"User: {arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"


def _lifetime(emulator: "Emulator", credentials: dict) -> float:
    """Seconds from the emulator's now to the credentials' Expiration."""
    expiration: datetime = credentials["Expiration"]
    return expiration.timestamp() - emulator.clock.now()


# -- MFA context ---------------------------------------------------------------------------------------


def test_an_mfa_session_assumes_a_role_that_requires_mfa_without_a_second_code(
    emulator: "Emulator", world: "World"
) -> None:
    session = mfa_session(emulator, world)
    role = world.roles["admin"]
    answer = sts(emulator, session).assume_role(RoleArn=role.arn, RoleSessionName="from-session")
    identity = sts(emulator, Keys.from_credentials(answer["Credentials"])).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{role.account_id}:assumed-role/admin/from-session"
    # One code spent, by GetSessionToken; AssumeRole carried no code.
    assert len(world.calls(coded=True)) == 1
    assert [call.outcome for call in world.calls(action="AssumeRole")] == ["ok"]


def test_a_role_that_requires_mfa_refuses_plain_keys(emulator: "Emulator", world: "World") -> None:
    role = world.roles["admin"]
    denied = refusal(lambda: sts(emulator, Keys.of(world)).assume_role(RoleArn=role.arn, RoleSessionName="plain"))
    assert (denied.status, denied.code, denied.message) == (
        403,
        "AccessDenied",
        _not_authorized(world.user_arn, role.arn),
    )


def test_a_role_that_requires_mfa_refuses_a_session_made_without_mfa(emulator: "Emulator", world: "World") -> None:
    session = plain_session(emulator, world)
    role = world.roles["admin"]
    denied = refusal(lambda: sts(emulator, session).assume_role(RoleArn=role.arn, RoleSessionName="plain"))
    assert (denied.status, denied.code, denied.message) == (
        403,
        "AccessDenied",
        _not_authorized(world.user_arn, role.arn),
    )


def test_a_role_without_an_mfa_condition_takes_plain_keys(emulator: "Emulator", world: "World") -> None:
    role = world.roles["reader"]
    assert not role.requires_mfa
    sts(emulator, Keys.of(world)).assume_role(RoleArn=role.arn, RoleSessionName="plain")


def test_an_unknown_role_is_refused_as_not_authorized(emulator: "Emulator", world: "World") -> None:
    role_arn = f"arn:aws:iam::{world.roles['admin'].account_id}:role/nosuchrole"
    denied = refusal(
        lambda: sts(emulator, mfa_session(emulator, world)).assume_role(RoleArn=role_arn, RoleSessionName="ops")
    )
    assert (denied.status, denied.code, denied.message) == (
        403,
        "AccessDenied",
        _not_authorized(world.user_arn, role_arn),
    )


def test_mfa_context_is_carried_through_role_chaining(emulator: "Emulator", world: "World") -> None:
    first = world.roles["admin"]
    target = emulator.build_world(
        user_name="owner", roles=[RoleSpec("target", requires_mfa=True, trusted=(first.arn,))]
    )
    first_session = sts(emulator, Keys.of(world)).assume_role(
        RoleArn=first.arn, RoleSessionName="hop1", SerialNumber=world.mfa_serial, TokenCode=world.totp()
    )
    chained = sts(emulator, Keys.from_credentials(first_session["Credentials"])).assume_role(
        RoleArn=target.roles["target"].arn, RoleSessionName="hop2"
    )
    assert chained["AssumedRoleUser"]["Arn"].endswith(":assumed-role/target/hop2")
    # A role session that got there without MFA cannot make the same hop.
    reader = sts(emulator, Keys.of(world)).assume_role(RoleArn=world.roles["reader"].arn, RoleSessionName="plain")
    reader_keys = Keys.from_credentials(reader["Credentials"])
    target_without_mfa = emulator.build_world(
        user_name="owner", roles=[RoleSpec("target", requires_mfa=True, trusted=(world.roles["reader"].arn,))]
    )
    role_arn = target_without_mfa.roles["target"].arn
    denied = refusal(lambda: sts(emulator, reader_keys).assume_role(RoleArn=role_arn, RoleSessionName="hop2"))
    assert (denied.status, denied.code) == (403, "AccessDenied")
    assert denied.message == _not_authorized(reader["AssumedRoleUser"]["Arn"], role_arn)


# -- GetSessionToken takes long-term keys only ------------------------------------------------------------


def test_get_session_token_refuses_session_credentials(emulator: "Emulator", world: "World") -> None:
    message = "Cannot call GetSessionToken with session credentials"
    session = mfa_session(emulator, world)
    denied = refusal(lambda: sts(emulator, session).get_session_token())
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", message)
    role = sts(emulator, session).assume_role(RoleArn=world.roles["admin"].arn, RoleSessionName="ops")
    denied = refusal(lambda: sts(emulator, Keys.from_credentials(role["Credentials"])).get_session_token())
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", message)


# -- Durations ---------------------------------------------------------------------------------------------


def test_get_session_token_lasts_12_hours_by_default(emulator: "Emulator", world: "World") -> None:
    answer = sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp())
    assert _lifetime(emulator, answer["Credentials"]) == pytest.approx(43200, abs=SLACK)


@pytest.mark.parametrize("seconds", [900, 129600])
def test_get_session_token_accepts_900_to_129600_seconds(emulator: "Emulator", world: "World", seconds: int) -> None:
    answer = sts(emulator, Keys.of(world)).get_session_token(DurationSeconds=seconds)
    assert _lifetime(emulator, answer["Credentials"]) == pytest.approx(seconds, abs=SLACK)


@pytest.mark.parametrize(
    ("seconds", "constraint"),
    [
        (899, "Member must have value greater than or equal to 900"),
        (129601, "Member must have value less than or equal to 129600"),
    ],
)
def test_get_session_token_refuses_durations_out_of_range(
    emulator: "Emulator", world: "World", seconds: int, constraint: str
) -> None:
    # botocore checks the minimum itself; its check is off so that the emulator answers.
    client = sts(emulator, Keys.of(world), validate=False)
    denied = refusal(lambda: client.get_session_token(DurationSeconds=seconds))
    assert (denied.status, denied.code) == (400, "ValidationError")
    assert denied.message == (
        f"1 validation error detected: Value '{seconds}' at 'durationSeconds' "
        f"failed to satisfy constraint: {constraint}"
    )


def test_get_session_token_checks_the_duration_before_spending_the_code(emulator: "Emulator", world: "World") -> None:
    client = sts(emulator, Keys.of(world), validate=False)
    code = world.totp()
    refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code, DurationSeconds=600))
    client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)


def test_assume_role_lasts_one_hour_by_default(emulator: "Emulator", world: "World") -> None:
    answer = sts(emulator, mfa_session(emulator, world)).assume_role(
        RoleArn=world.roles["admin"].arn, RoleSessionName="ops"
    )
    assert _lifetime(emulator, answer["Credentials"]) == pytest.approx(3600, abs=SLACK)


def test_assume_role_lasts_up_to_the_roles_max_session_duration(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[RoleSpec("long", requires_mfa=False, max_session_duration=7200)])
    role_arn = world.roles["long"].arn
    # Long-term keys: temporary credentials could not ask for more than an hour (role chaining).
    client = sts(emulator, Keys.of(world), validate=False)
    for seconds in (900, 7200):
        answer = client.assume_role(RoleArn=role_arn, RoleSessionName="ops", DurationSeconds=seconds)
        assert _lifetime(emulator, answer["Credentials"]) == pytest.approx(seconds, abs=SLACK)
    denied = refusal(lambda: client.assume_role(RoleArn=role_arn, RoleSessionName="ops", DurationSeconds=7201))
    assert (denied.status, denied.code, denied.message) == (
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    denied = refusal(lambda: client.assume_role(RoleArn=role_arn, RoleSessionName="ops", DurationSeconds=899))
    assert (denied.status, denied.code) == (400, "ValidationError")
    assert denied.message.endswith("Member must have value greater than or equal to 900")


def test_assume_role_refuses_more_than_12_hours_whatever_the_role(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[RoleSpec("longest", requires_mfa=False, max_session_duration=43200)])
    client = sts(emulator, Keys.of(world), validate=False)
    role_arn = world.roles["longest"].arn
    answer = client.assume_role(RoleArn=role_arn, RoleSessionName="ops", DurationSeconds=43200)
    assert _lifetime(emulator, answer["Credentials"]) == pytest.approx(43200, abs=SLACK)
    denied = refusal(lambda: client.assume_role(RoleArn=role_arn, RoleSessionName="ops", DurationSeconds=43201))
    assert (denied.status, denied.code, denied.message) == (
        400,
        "ValidationError",
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 43200",
    )
    # The API's bound is checked before the role is even looked up.
    unknown = f"arn:aws:iam::{world.roles['longest'].account_id}:role/nosuchrole"
    denied = refusal(lambda: client.assume_role(RoleArn=unknown, RoleSessionName="ops", DurationSeconds=43201))
    assert (denied.status, denied.code) == (400, "ValidationError")


def test_role_chaining_is_capped_at_one_hour(emulator: "Emulator") -> None:
    world = emulator.build_world(roles=[RoleSpec("first", max_session_duration=43200)])
    first = world.roles["first"]
    target = emulator.build_world(
        user_name="owner", roles=[RoleSpec("second", max_session_duration=43200, trusted=(first.arn,))]
    )
    second_arn = target.roles["second"].arn
    # The first hop with the code itself, signed by long-term keys: it may last 12 hours.
    answer = sts(emulator, Keys.of(world)).assume_role(
        RoleArn=first.arn,
        RoleSessionName="hop1",
        DurationSeconds=43200,
        SerialNumber=world.mfa_serial,
        TokenCode=world.totp(),
    )
    assert _lifetime(emulator, answer["Credentials"]) == pytest.approx(43200, abs=SLACK)
    chained = sts(emulator, Keys.from_credentials(answer["Credentials"]))
    denied = refusal(lambda: chained.assume_role(RoleArn=second_arn, RoleSessionName="hop2", DurationSeconds=3601))
    assert (denied.status, denied.code, denied.message) == (
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    )
    for seconds in (3600, None):
        extra = {} if seconds is None else {"DurationSeconds": seconds}
        hop = chained.assume_role(RoleArn=second_arn, RoleSessionName="hop2", **extra)
        assert _lifetime(emulator, hop["Credentials"]) == pytest.approx(3600, abs=SLACK)


@pytest.mark.parametrize("with_mfa", [True, False], ids=["mfa-session", "plain-session"])
def test_a_role_assumed_with_session_credentials_is_capped_at_one_hour(emulator: "Emulator", with_mfa: bool) -> None:
    # AWS's knowledge center (iam-role-chaining-limit): credentials from GetSessionToken count as role chaining.
    world = emulator.build_world(roles=[RoleSpec("long", requires_mfa=with_mfa, max_session_duration=43200)])
    role_arn = world.roles["long"].arn
    session = mfa_session(emulator, world) if with_mfa else plain_session(emulator, world)
    client = sts(emulator, session)
    for seconds in (3601, 7200, 43200):
        denied = refusal(
            lambda asked=seconds: client.assume_role(RoleArn=role_arn, RoleSessionName="ops", DurationSeconds=asked)
        )
        assert (denied.status, denied.code, denied.message) == (
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        )
    for seconds in (3600, None):
        extra = {} if seconds is None else {"DurationSeconds": seconds}
        answer = client.assume_role(RoleArn=role_arn, RoleSessionName="ops", **extra)
        assert _lifetime(emulator, answer["Credentials"]) == pytest.approx(3600, abs=SLACK)
    assert [call.outcome for call in world.calls(action="AssumeRole")] == ["ValidationError"] * 3 + ["ok"] * 2


def test_a_role_assumed_with_an_mfa_session_sees_the_session_s_mfa_age() -> None:
    # A private emulator: its clock moves an hour on, which the worker's other tests must not see.
    with private_emulator() as emulator:
        world = emulator.build_world(roles=[RoleSpec("guarded", requires_mfa=True, max_mfa_age=3600)])
        role_arn = world.roles["guarded"].arn
        client = sts(emulator, mfa_session(emulator, world))
        emulator.clock.advance(3500)
        client.assume_role(RoleArn=role_arn, RoleSessionName="young")
        # The session's code was sent 3,700 s ago: each AssumeRole made with it carries that age, not its own.
        emulator.clock.advance(200)
        denied = refusal(lambda: client.assume_role(RoleArn=role_arn, RoleSessionName="old"))
        assert (denied.status, denied.code) == (403, "AccessDenied")
        assert denied.message == _not_authorized(world.user_arn, role_arn)
        # A code sent with AssumeRole itself is MFA of the moment.
        sts(emulator, Keys.of(world)).assume_role(
            RoleArn=role_arn, RoleSessionName="fresh", SerialNumber=world.mfa_serial, TokenCode=world.totp()
        )
        assert [call.outcome for call in world.calls(action="AssumeRole")] == ["ok", "AccessDenied", "ok"]


# -- Expiry ------------------------------------------------------------------------------------------------


def test_an_expired_session_is_refused_by_sts_and_s3(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world, DurationSeconds=900)
    sts_client, s3_client = sts(emulator, session), s3(emulator, session)
    emulator.clock.advance(850)
    assert sts_client.get_caller_identity()["Arn"] == world.user_arn
    assert {bucket["Name"] for bucket in s3_client.list_buckets()["Buckets"]} == set(world.buckets)
    emulator.clock.advance(60)
    denied = refusal(sts_client.get_caller_identity)
    assert (denied.status, denied.code, denied.message) == (
        403,
        "ExpiredToken",
        "The security token included in the request is expired",
    )
    denied = refusal(s3_client.list_buckets)
    assert (denied.status, denied.code, denied.message) == (400, "ExpiredToken", "The provided token has expired.")
    # Long-term keys never expire.
    assert sts(emulator, Keys.of(world)).get_caller_identity()["Arn"] == world.user_arn


def test_an_expired_role_session_is_refused(emulator: "Emulator", world: "World") -> None:
    answer = sts(emulator, mfa_session(emulator, world)).assume_role(
        RoleArn=world.roles["admin"].arn, RoleSessionName="ops", DurationSeconds=900
    )
    role_session = Keys.from_credentials(answer["Credentials"])
    emulator.clock.advance(905)
    denied = refusal(sts(emulator, role_session).get_caller_identity)
    assert (denied.status, denied.code) == (403, "ExpiredToken")
    denied = refusal(s3(emulator, role_session).list_buckets)
    assert (denied.status, denied.code) == (400, "ExpiredToken")


def test_assume_role_takes_the_source_identities_aws_takes(emulator: "Emulator", world: "World") -> None:
    most = model_member("sts", "AssumeRole", "SourceIdentity").metadata["max"]
    client = sts(emulator, Keys.of(world), validate=False)

    def assume(source_identity: str) -> dict:
        return client.assume_role(
            RoleArn=world.roles["reader"].arn, RoleSessionName="ops", SourceIdentity=source_identity
        )

    assert assume("a" * most)["SourceIdentity"] == "a" * most
    denied = refusal(lambda: assume("a" * (most + 1)))
    assert (denied.status, denied.code) == (400, "ValidationError")
    assert denied.message.endswith(
        f"at 'sourceIdentity' failed to satisfy constraint: Member must have length less than or equal to {most}"
    )
