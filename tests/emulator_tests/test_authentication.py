"""Requests are authenticated as AWS authenticates them: the credential scope names the service called and a
region AWS has, the SigV4 signature is checked with the key's secret, temporary keys need their own session
token, the signing time must be within 15 minutes, and unsigned requests are refused."""

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import boto3
import requests
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import ReadOnlyCredentials

from tests.emulator_tests._aws import Keys, Refusal, mfa_session, refusal, s3, sts

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


# -- the credential scope ------------------------------------------------------------------------------------


def test_a_request_signed_for_a_region_aws_does_not_have_is_refused(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    denied = refusal(sts(emulator, Keys.of(world), region="xx-nowhere-9").get_caller_identity)
    assert (denied.status, denied.code, denied.message) == (
        403,
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not 'xx-nowhere-9'. ",
    )
    denied = refusal(s3(emulator, session, region="xx-nowhere-9").list_buckets)
    assert (denied.status, denied.code) == (400, "AuthorizationHeaderMalformed")
    assert "the region 'xx-nowhere-9' is wrong" in denied.message
    # Before the code is looked at: the code (the next one, the session spent this one) is not spent.
    code = world.totp(1)
    refused = sts(emulator, Keys.of(world), region="xx-nowhere-9")
    refusal(lambda: refused.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)


def test_any_region_aws_has_is_one_address_away(emulator: "Emulator", world: "World") -> None:
    session = mfa_session(emulator, world)
    for region in ("us-east-1", "ap-southeast-2"):
        assert sts(emulator, session, region=region).get_caller_identity()["Arn"] == world.user_arn
        assert s3(emulator, session, region=region).list_buckets()["Buckets"]


def _signed_for(service: str, emulator: "Emulator", keys: Keys, action: str, params: dict[str, str]) -> Refusal:
    """POST a query-API action signed with `service` in the credential scope (the wrong one, in these tests)."""
    request = AWSRequest(
        method="POST",
        url=emulator.endpoint_url + "/",
        data=urlencode({"Action": action, "Version": "2011-06-15", **params}),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(
        ReadOnlyCredentials(keys.access_key_id, keys.secret_access_key, keys.session_token), service, emulator.region
    ).add_auth(request)
    return _send(request.prepare())


def _send(prepared: Any) -> Refusal:
    answer = requests.request(
        prepared.method, prepared.url, headers=dict(prepared.headers), data=prepared.body, timeout=30
    )
    code = re.search(r"<Code>([^<]+)</Code>", answer.text)
    message = re.search(r"<Message>([^<]*)</Message>", answer.text)
    return Refusal(answer.status_code, code[1] if code else "", message[1] if message else "")


def test_a_request_signed_for_another_service_is_refused(emulator: "Emulator", world: "World") -> None:
    code = world.totp(1)  # the session below spends the current one
    denied = _signed_for(
        "iam", emulator, Keys.of(world), "GetSessionToken", {"SerialNumber": world.mfa_serial, "TokenCode": code}
    )
    assert (denied.status, denied.code, denied.message) == (
        403,
        "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: 'sts'. ",
    )
    # ListBuckets signed as another service.
    session = mfa_session(emulator, world)
    request = AWSRequest(method="GET", url=emulator.endpoint_url + "/", headers={})
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    request.headers["X-Amz-Security-Token"] = session.session_token
    credentials = ReadOnlyCredentials(session.access_key_id, session.secret_access_key, session.session_token)
    SigV4Auth(credentials, "sts", emulator.region).add_auth(request)
    denied = _send(request.prepare())
    assert (denied.status, denied.code) == (400, "AuthorizationHeaderMalformed")
    assert "incorrect service 'sts'" in denied.message
    # The GetSessionToken signed for IAM reached no MFA check: its code still buys a session.
    sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)


# -- unsigned requests ---------------------------------------------------------------------------------------


def _unsigned(emulator: "Emulator", service: str) -> Any:
    return boto3.session.Session().client(
        service,
        endpoint_url=emulator.endpoint_url,
        region_name=emulator.region,
        config=Config(signature_version=UNSIGNED, retries={"mode": "standard", "total_max_attempts": 1}),
    )


def test_unsigned_sts_requests_are_refused_and_logged(emulator: "Emulator", world: "World") -> None:
    emulator.reset_calls()
    client = _unsigned(emulator, "sts")
    denied = refusal(client.get_caller_identity)
    assert (denied.status, denied.code, denied.message) == (
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )
    code = world.totp()
    denied = refusal(lambda: client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=code))
    assert denied.code == "MissingAuthenticationToken"
    unsigned = [call for call in emulator.calls(account_ids={""}) if call.access_key_id == ""]
    assert [(call.action, call.coded, call.outcome) for call in unsigned][-2:] == [
        ("GetCallerIdentity", False, "MissingAuthenticationToken"),
        ("GetSessionToken", True, "MissingAuthenticationToken"),
    ]
    # Refused before the code is looked at.
    sts(emulator, Keys.of(world)).get_session_token(SerialNumber=world.mfa_serial, TokenCode=code)


def test_unsigned_list_buckets_is_refused_and_logged(emulator: "Emulator") -> None:
    denied = refusal(_unsigned(emulator, "s3").list_buckets)
    assert (denied.status, denied.code, denied.message) == (403, "AccessDenied", "Access Denied")
    assert [(call.region, call.outcome) for call in emulator.listings(account_ids={""})][-1:] == [("", "AccessDenied")]
