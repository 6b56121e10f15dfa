"""AWS failures become one line that says what to do, and never leak what was sent."""

import botocore.exceptions
import pytest
from botocore.exceptions import ClientError

from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import describe_client_error, describe_exception


def client_error(code, message, operation="AssumeRole"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("code", "message", "operation", "advice"),
    [
        ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ", "AssumeRole",
         "AWS accepts each code once"),
        ("AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
         "serial number is valid and associated with this user.", "GetSessionToken", "check that it is the ARN"),
        ("AccessDenied", "Cannot call GetSessionToken with session credentials", "GetSessionToken",
         "long-term access keys"),
        ("ExpiredToken", "The security token included in the request is expired", "AssumeRole", "have expired"),
        ("ExpiredToken", "The provided token has expired.", "ListBuckets", "have expired"),
        ("Throttling", "Rate exceeded", "GetSessionToken", "raise 'retries'"),
        ("InvalidClientTokenId", "The security token included in the request is invalid.", "GetSessionToken",
         "does not recognise the access key"),
        ("SignatureDoesNotMatch", "The request signature we calculated does not match", "AssumeRole",
         "check secret_key"),
        ("SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'eu-west1'. ", "AssumeRole",
         "AssumeRole was signed for region 'eu-west1', which AWS does not have: set region, AWS_DEFAULT_REGION"),
        ("AccessDenied", "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole "
         "on resource: arn:aws:iam::222222222222:role/R", "AssumeRole", "trust policy"),
        ("AccessDenied", "Access Denied", "ListBuckets", "s3:ListAllMyBuckets"),
        ("InvalidToken", "The provided token is malformed or otherwise invalid.", "ListBuckets",
         "the session token does not go with the access key that signed the call"),
        ("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
         "AssumeRole", "refused a parameter"),
    ],
)
def test_aws_errors_become_advice_with_aws_words(code, message, operation, advice):
    line = describe_exception(client_error(code, message, operation), operation)
    assert advice in line
    assert f"AWS said: {code}: {message.strip()}" in line
    assert "\n" not in line


def test_multi_line_aws_messages_fold_into_one_line():
    assert "\n" not in describe_client_error("Oops", "first\nsecond\n", "AssumeRole")


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "could not reach AWS"),
        (botocore.exceptions.ConnectTimeoutError(endpoint_url="http://10.255.255.1"), "could not reach AWS"),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), "timed out"),
        (botocore.exceptions.NoCredentialsError(), "found no AWS credentials"),
        (botocore.exceptions.ProfileNotFound(profile="nope"), "could not load the AWS configuration"),
        (botocore.exceptions.NoRegionError(), "needs a region"),
    ],
)
def test_botocore_exceptions_become_advice(error, advice):
    line = describe_exception(error, "GetSessionToken")
    assert line.startswith("GetSessionToken")
    assert advice in line


def test_aws_timestamps_parse_as_botocore_parses_them():
    from botocore.utils import parse_timestamp

    from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import parse_aws_timestamp

    for text in ("2026-11-25T11:50:07.000Z", "2026-11-25T11:50:07Z", "2026-11-25T11:50:07.123456Z", "1795607416"):
        assert parse_aws_timestamp(text) == parse_timestamp(text)
    assert parse_aws_timestamp("2026-11-25T11:50:07.000Z").utcoffset().total_seconds() == 0
