"""Requests are authenticated as AWS authenticates them: the SigV4 signature is checked with the key's
secret, temporary keys need their own session token, and the signing time must be within 15 minutes."""

from typing import TYPE_CHECKING

from tests.emulator_tests._aws import Keys, mfa_session, refusal, s3, sts

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

STS_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
S3_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)
STS_INVALID_TOKEN = (403, "InvalidClientTokenId", "The security token included in the request is invalid.")
S3_UNKNOWN_KEY = (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
S3_BAD_TOKEN = (400, "InvalidToken", "The provided token is malformed or otherwise invalid.")


def _flip(secret: str) -> str:
    return ("A" if secret[0] != "A" else "B") + secret[1:]


def test_a_wrong_secret_key_fails_the_signature(emulator: "Emulator", world: "World") -> None:
    keys = Keys(world.access_key_id, _flip(world.secret_access_key))
    denied = refusal(sts(emulator, keys).get_caller_identity)
    assert (denied.status, denied.code, denied.message) == (403, "SignatureDoesNotMatch", STS_BAD_SIGNATURE)
    # Before the code is looked at: a right code is not spent by a badly signed request.
    code = world.totp()
    denied = refusal(lambda: sts(emulator, keys).get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert denied.code == "SignatureDoesNotMatch"
    sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)


def test_a_wrong_secret_key_fails_the_signature_on_s3(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    keys = Keys(session.access_key_id, _flip(session.secret_access_key), session.session_token)
    denied = refusal(s3(emulator, keys).list_buckets)
    assert (denied.status, denied.code, denied.message) == (403, "SignatureDoesNotMatch", S3_BAD_SIGNATURE)
    denied = refusal(sts(emulator, keys).get_caller_identity)
    assert (denied.status, denied.code, denied.message) == (403, "SignatureDoesNotMatch", STS_BAD_SIGNATURE)


def test_an_unknown_access_key_is_refused(emulator: "Emulator", world: "World") -> None:
    keys = Keys("AKIA" + "Z" * 16, world.secret_access_key)
    denied = refusal(sts(emulator, keys).get_caller_identity)
    assert (denied.status, denied.code, denied.message) == STS_INVALID_TOKEN
    denied = refusal(s3(emulator, keys).list_buckets)
    assert (denied.status, denied.code, denied.message) == S3_UNKNOWN_KEY


def test_temporary_keys_without_their_session_token_are_refused(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    keys = Keys(session.access_key_id, session.secret_access_key)
    denied = refusal(sts(emulator, keys).get_caller_identity)
    assert (denied.status, denied.code, denied.message) == STS_INVALID_TOKEN
    denied = refusal(s3(emulator, keys).list_buckets)
    assert (denied.status, denied.code, denied.message) == S3_UNKNOWN_KEY


def test_another_sessions_token_is_refused(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    other = emulator.build_world(roles=[])
    other_session = mfa_session(emulator, other)
    keys = Keys(session.access_key_id, session.secret_access_key, other_session.session_token)
    denied = refusal(sts(emulator, keys).get_caller_identity)
    assert (denied.status, denied.code, denied.message) == STS_INVALID_TOKEN
    denied = refusal(s3(emulator, keys).list_buckets)
    assert (denied.status, denied.code, denied.message) == S3_BAD_TOKEN


def test_long_term_keys_with_a_session_token_are_refused(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    keys = Keys(world.access_key_id, world.secret_access_key, session.session_token)
    denied = refusal(sts(emulator, keys).get_caller_identity)
    assert (denied.status, denied.code, denied.message) == STS_INVALID_TOKEN
    denied = refusal(s3(emulator, keys).list_buckets)
    assert (denied.status, denied.code, denied.message) == S3_BAD_TOKEN


def test_a_request_signed_more_than_15_minutes_away_is_refused(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    emulator.set_skew(16 * 60)
    denied = refusal(sts(emulator, session).get_caller_identity)
    assert (denied.status, denied.code) == (403, "SignatureDoesNotMatch")
    assert denied.message.startswith("Signature expired:")
    denied = refusal(s3(emulator, session).list_buckets)
    assert (denied.status, denied.code, denied.message) == (
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
    )
    # Within the window, the same credentials work.
    emulator.set_skew(14 * 60)
    assert sts(emulator, session).get_caller_identity()["Arn"] == world.user_arn
