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


# -- answers that cannot be read, and HTTP libraries' failures --------------------------------------------------

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
CUT_BODY = f"<GetSessionTokenResponse><Credentials><SecretAccessKey>{SECRET}</SecretAccessKey>".encode()


def parser_error():
    """What botocore's XML parser raises for a cut-short answer: its text quotes the body."""
    from botocore.parsers import QueryParser

    from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import call_failures

    try:
        QueryParser()._parse_xml_string_to_dom(CUT_BODY)
    except call_failures() as error:
        return error
    raise AssertionError("the cut-short body parsed")


def http_client_error():
    """What botocore raises when http.client chokes on a status line, which it quotes."""
    import http.client

    try:
        try:
            raise http.client.BadStatusLine(f"SecretAccessKey={SECRET}")
        except http.client.HTTPException as inner:
            raise botocore.exceptions.HTTPClientError(error=inner) from None
    except botocore.exceptions.HTTPClientError as error:
        return error


def chain_text(error):
    import traceback

    return "".join(traceback.format_exception(error))


@pytest.mark.parametrize("make", [parser_error, http_client_error])
def test_a_failure_that_quotes_the_answer_is_one_line_without_it_and_keeps_the_code_spent(make):
    from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import aws_call_error

    error = make()
    assert SECRET in chain_text(error)  # what botocore and http.client say, before the collection words it
    worded = aws_call_error(error, "GetSessionToken")
    assert "\n" not in str(worded) and SECRET not in str(worded)
    assert "the next code" in str(worded)
    # The answer came, or the request left: AWS may have accepted the code, which must not be sent again.
    assert worded.code_may_be_spent and not worded.retryable
    # The original stays the cause, for Ansible's traceback at -vvv, with the quoted text withheld.
    assert SECRET not in chain_text(error)


def test_a_value_that_does_not_parse_is_an_unreadable_answer():
    from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import aws_call_error
    from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import parse_aws_timestamp

    with pytest.raises(ValueError) as raised:
        parse_aws_timestamp(f"{SECRET}Z")
    worded = aws_call_error(raised.value, "AssumeRole")
    assert "could not be read" in str(worded) and SECRET not in str(worded) and worded.code_may_be_spent
    assert SECRET not in chain_text(raised.value)


def test_call_failures_hold_every_kind_a_call_may_raise():
    import http.client

    import urllib3.exceptions
    from botocore.parsers import ResponseParserError

    from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import call_failures

    caught = call_failures()
    kinds = [ResponseParserError, botocore.exceptions.BotoCoreError, ClientError, http.client.IncompleteRead]
    for kind in [*kinds, urllib3.exceptions.ProtocolError, ValueError]:
        assert issubclass(kind, caught), kind


def test_botocore_words_about_its_own_inputs_are_kept():
    from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import aws_call_error

    error = botocore.exceptions.ParamValidationError(report="Invalid length for parameter RoleSessionName")
    worded = aws_call_error(error, "AssumeRole")
    assert "Invalid length for parameter RoleSessionName" in str(worded) and not worded.code_may_be_spent


@pytest.mark.parametrize(
    ("code", "may_be_spent"),
    [
        ("ValidationError", True),  # AWS does not say whether it checks parameters before the code
        ("MalformedPolicyDocument", True),
        ("RegionDisabledException", True),
        ("AccessDenied", True),
        ("InvalidClientTokenId", False),  # who asks is known before anything else is looked at
        ("SignatureDoesNotMatch", False),
        ("ExpiredToken", False),
        ("Throttling", False),
    ],
)
def test_a_refusal_keeps_the_code_spent_unless_it_came_before_the_request_was_read(code, may_be_spent):
    from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import aws_call_error

    error = ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "X")
    assert aws_call_error(error, "AssumeRole").code_may_be_spent is may_be_spent
