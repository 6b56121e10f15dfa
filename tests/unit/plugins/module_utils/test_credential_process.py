"""credential_process's own parts: the nesting guard, botocore's document, and what is refused before any call."""

from datetime import UTC, datetime

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._credential_process import (
    NESTED_MARK,
    credentials,
    document,
    enter,
)
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError, NoTerminal
from ansible_collections.mfa.aws.plugins.module_utils._private_files import unlocked
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"

CONFIG = f"""
[profile alice]
credential_process = /path/to/mfa-aws-credentials --profile alice-keys

[profile alice-keys]
mfa_serial = {SERIAL}

[profile nomfa]
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::210987654321:role/Admin
source_profile = alice-keys
mfa_serial = {SERIAL}

[profile loop]
role_arn = arn:aws:iam::210987654321:role/Admin
source_profile = alice
mfa_serial = {SERIAL}
"""

CREDENTIALS = f"""
[alice-keys]
aws_access_key_id = AKIAALICE
aws_secret_access_key = {SECRET}

[nomfa]
aws_access_key_id = AKIAALICE
aws_secret_access_key = {SECRET}
"""


def no_one_to_ask(serial, reason):
    raise NoTerminal("no terminal")


#: Nothing can be sent without a code, and none can be had: whatever these tests run ends before AWS.
NO_CODE = Runtime(unlocked, None, no_one_to_ask)


@pytest.fixture(autouse=True)
def files(aws_files, home):
    aws_files.write(CONFIG, CREDENTIALS)


def test_the_environment_is_marked_for_what_the_program_starts():
    environ = {}
    enter(environ)
    assert environ == {NESTED_MARK: "1"}


def test_a_program_started_by_another_stops_at_once():
    with pytest.raises(MfaAwsError, match=r"^started by another mfa-aws-credentials .*--profile must name"):
        enter({NESTED_MARK: "1"})


def test_the_document_is_botocores_credential_process_version_1():
    response = {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLE",
            "SecretAccessKey": SECRET,
            "SessionToken": "token",
            "Expiration": datetime(2026, 1, 1, 13, tzinfo=UTC),
        }
    }
    assert document(ExchangeResult.from_response(response, False, [])) == {
        "Version": 1,
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": SECRET,
        "SessionToken": "token",
        "Expiration": "2026-01-01T13:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (None, "--profile: required, the profile with the IAM user's keys and mfa_serial, or a role's"),
        ("alice", "profile alice has a credential_process of its own, which would run this program again"),
        ("loop", "source_profile alice has a credential_process of its own"),
        ("nomfa", "profile nomfa has no mfa_serial: set mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME in it"),
    ],
)
def test_what_the_program_cannot_serve_is_one_line_before_any_call(profile, message):
    with pytest.raises(MfaAwsError) as raised:
        credentials({"profile": profile}, runtime=NO_CODE)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize("profile", ["alice-keys", "admin"])
def test_a_code_due_with_no_terminal_says_how_to_give_one(profile):
    with pytest.raises(NoTerminal) as raised:
        credentials({"profile": profile}, runtime=NO_CODE)
    assert str(raised.value) == (
        f"profile {profile} needs an MFA code (no cached credentials are left) and there is no terminal to ask on: "
        "run the AWS tool once from a terminal, or add --token-command to the credential_process line"
    )
