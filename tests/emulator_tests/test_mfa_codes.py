"""MFA codes as STS checks them: the device's current code, one step either side, each code once, and only
with the caller's own device. Refusals are HTTP 403 AccessDenied with AWS's wording."""

import base64
import hashlib
import hmac
import struct
from typing import TYPE_CHECKING

import pytest

from tests.emulator import mfa
from tests.emulator_tests._aws import (
    INVALID_CODE,
    UNKNOWN_SERIAL,
    Keys,
    code_outside_window,
    refusal,
    start_of_step,
    sts,
)

if TYPE_CHECKING:
    from tests.emulator import Emulator, World


def test_get_session_token_accepts_the_current_code(emulator: "Emulator", world: "World") -> None:
    answer = sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp())
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert credentials["SecretAccessKey"] and credentials["SessionToken"]
    # The session is the user's own identity.
    identity = sts(emulator, Keys.from_credentials(credentials)).get_caller_identity()
    assert identity["Arn"] == world.user_arn
    assert identity["Account"] == world.account_id


def test_assume_role_accepts_the_current_code(emulator: "Emulator", world: "World") -> None:
    role = world.roles["admin"]
    assert role.requires_mfa
    answer = sts(emulator, Keys.of(world)).assume_role(
        RoleArn=role.arn, RoleSessionName="ops", SerialNumber=world.mfa_serial, TokenCode=world.totp()
    )
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{role.account_id}:assumed-role/admin/ops"
    identity = sts(emulator, Keys.from_credentials(answer["Credentials"])).get_caller_identity()
    assert identity["Account"] == role.account_id
    assert identity["Arn"] == answer["AssumedRoleUser"]["Arn"]


def test_a_wrong_code_is_refused(emulator: "Emulator", world: "World") -> None:
    client = sts(emulator, Keys.of(world))
    wrong = code_outside_window(world)
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=wrong))
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", INVALID_CODE)
    denied = refusal(
        lambda: client.assume_role(
            RoleArn=world.roles["admin"].arn, RoleSessionName="ops", SerialNumber=world.mfa_serial, TokenCode=wrong
        )
    )
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", INVALID_CODE)


def test_a_code_three_or_more_steps_old_is_refused(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    client = sts(emulator, Keys.of(world))
    for steps_back in (3, 4, 10):
        stale = code_outside_window(world, steps_back=steps_back)
        denied = refusal(lambda code=stale: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
        assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", INVALID_CODE)
    # None of those refusals spent anything: the current code still works.
    client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp())


def test_a_code_from_one_step_either_side_is_accepted(emulator: "Emulator") -> None:
    # A device each, so that neither acceptance depends on the other.
    earlier_world, later_world = emulator.build_world(roles=[]), emulator.build_world(roles=[])
    start_of_step(emulator)
    sts(emulator, Keys.of(earlier_world)).get_session_token(
        SerialNumber=earlier_world.mfa_serial, TokenCode=earlier_world.totp(-1)
    )
    sts(emulator, Keys.of(later_world)).get_session_token(
        SerialNumber=later_world.mfa_serial, TokenCode=later_world.totp(+1)
    )


def test_a_code_is_accepted_once(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    client = sts(emulator, Keys.of(world))
    code = world.totp()
    client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", INVALID_CODE)
    # Spent for AssumeRole too: the device, not the action, remembers it.
    denied = refusal(
        lambda: client.assume_role(
            RoleArn=world.roles["admin"].arn, RoleSessionName="ops", SerialNumber=world.mfa_serial, TokenCode=code
        )
    )
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", INVALID_CODE)


def test_once_a_code_is_accepted_older_codes_are_refused(emulator: "Emulator", world: "World") -> None:
    start_of_step(emulator)
    client = sts(emulator, Keys.of(world))
    client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp(+1))
    for steps in (0, -1):
        code = world.totp(steps)
        if code == world.totp(+1):
            continue  # the same six digits twice in a row: nothing to tell apart
        denied = refusal(lambda code=code: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
        assert (denied.code, denied.message) == ("AccessDenied", INVALID_CODE)


def test_the_serial_of_another_accounts_user_is_refused(emulator: "Emulator", world: "World") -> None:
    other = emulator.build_world(user_name="mallory", roles=[])
    client = sts(emulator, Keys.of(world))
    # Even with that device's right code.
    denied = refusal(lambda: client.get_session_token(SerialNumber=other.mfa_serial, TokenCode=other.totp()))
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", UNKNOWN_SERIAL)
    denied = refusal(
        lambda: client.assume_role(
            RoleArn=world.roles["admin"].arn,
            RoleSessionName="ops",
            SerialNumber=other.mfa_serial,
            TokenCode=other.totp(),
        )
    )
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", UNKNOWN_SERIAL)
    # The refusal did not spend the other device's code.
    sts(emulator, Keys.of(other)).get_session_token(SerialNumber=other.mfa_serial, TokenCode=other.totp())


def test_the_serial_of_another_user_in_the_same_account_is_refused(emulator: "Emulator", world: "World") -> None:
    bob = emulator.build_world(user_name="bob", account_id=world.account_id, roles=[])
    assert bob.account_id == world.account_id and bob.mfa_serial != world.mfa_serial
    denied = refusal(
        lambda: sts(emulator, Keys.of(world)).get_session_token(SerialNumber=bob.mfa_serial, TokenCode=bob.totp())
    )
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", UNKNOWN_SERIAL)


def test_a_serial_that_names_no_device_is_refused(emulator: "Emulator", world: "World") -> None:
    serial = f"arn:aws:iam::{world.account_id}:mfa/nobody"
    denied = refusal(lambda: sts(emulator, Keys.of(world)).get_session_token(SerialNumber=serial, TokenCode="123456"))
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", UNKNOWN_SERIAL)


def test_a_malformed_code_fails_validation(emulator: "Emulator", world: "World") -> None:
    client = sts(emulator, Keys.of(world), validate=False)
    for code in ("12345", "1234567", "12a456"):
        denied = refusal(lambda code=code: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
        assert (denied.status, denied.code) == (400, "ValidationError")
        assert f"Value '{code}' at 'tokenCode' failed to satisfy constraint" in denied.message


# -- the codes themselves, against RFC 6238 ------------------------------------------------------------------

#: RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII of "12345678901234567890"; 8-digit codes.
RFC_SEED = b"12345678901234567890"
RFC_SHA1 = {
    59: "94287082",
    1111111109: "07081804",
    1111111111: "14050471",
    1234567890: "89005924",
    2000000000: "69279037",
}


def _hotp(key: bytes, counter: int, digits: int) -> str:
    """RFC 4226 section 5.3, written out here so that the check does not lean on pyotp, which the emulator uses."""
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def test_the_rfc_6238_vectors_hold_for_this_files_own_hotp() -> None:
    assert {at: _hotp(RFC_SEED, at // 30, 8) for at in RFC_SHA1} == RFC_SHA1


def test_the_emulators_codes_are_rfc_6238s_last_six_digits() -> None:
    seed = base64.b32encode(RFC_SEED).decode()
    assert {at: mfa.totp(seed, at) for at in RFC_SHA1} == {at: code[-6:] for at, code in RFC_SHA1.items()}
    # The step is 30 seconds: 59 is the second step, 60 the third.
    assert mfa.totp(seed, 30) == mfa.totp(seed, 59) != mfa.totp(seed, 60)


@pytest.mark.parametrize("steps", [-2, 2])
def test_a_code_two_steps_away_is_refused(emulator: "Emulator", steps: int) -> None:
    world = emulator.build_world(roles=[])
    start_of_step(emulator)
    code = world.totp(steps)
    if code in {world.totp(step) for step in (-1, 0, 1)}:
        pytest.skip("the device shows these six digits inside the window too")  # about 3 in a million
    client = sts(emulator, Keys.of(world))
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", INVALID_CODE)
    # Refused, not spent: the current code still works.
    client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.totp())
