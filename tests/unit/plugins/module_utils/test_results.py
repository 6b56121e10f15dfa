"""What the STS modules return, built once for the module and its controller-side action."""

from datetime import UTC, datetime

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import unlocked
from ansible_collections.mfa.aws.plugins.module_utils._results import (
    fact_name,
    failure,
    sts_module_result,
    sts_task_result,
)
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

pytestmark = pytest.mark.usefixtures("home")

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE_RESPONSE = {
    "Credentials": {
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": SECRET,
        "SessionToken": "FwoGZXIvYXdzEXAMPLETOKEN",
        "Expiration": datetime(2026, 1, 1, 13, tzinfo=UTC),
    },
    "AssumedRoleUser": {
        "Arn": "arn:aws:sts::210987654321:assumed-role/Admin/alice",
        "AssumedRoleId": "AROAEXAMPLE:alice",
    },
}


def exchange(cached=False, warnings=()):
    return ExchangeResult.from_response(ROLE_RESPONSE, cached, list(warnings))


@pytest.mark.parametrize("name", ["aws_mfa_role", "_x", "Role2"])
def test_a_variable_name_is_a_fact_name(name):
    assert fact_name(name) == name


@pytest.mark.parametrize("name", ["2fast", "my-role", "", "a b", None, 7])
def test_anything_else_is_refused_in_one_line(name):
    with pytest.raises(MfaAwsError, match=r"^fact_name: must be a valid variable name"):
        fact_name(name)


def test_the_module_result_holds_the_credentials_the_identity_and_the_fact():
    result = sts_module_result(exchange(cached=True, warnings=["a warning"]), "admin")
    credentials = {
        "access_key": "ASIAEXAMPLE",
        "secret_key": SECRET,
        "session_token": "FwoGZXIvYXdzEXAMPLETOKEN",
        "expiration": "2026-01-01T13:00:00+00:00",
    }
    assert result == {
        "changed": False,  # nothing in AWS changes when temporary credentials are issued
        "credentials": credentials,
        "identity": {
            "account": "210987654321",
            "arn": "arn:aws:sts::210987654321:assumed-role/Admin/alice",
            "user_id": "AROAEXAMPLE:alice",
        },
        "environment": {
            "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLETOKEN",
        },
        "cached": True,
        "ansible_facts": {"admin": credentials},
        "warnings": ["a warning"],
    }


def test_the_fact_name_is_checked_before_the_exchange_runs():
    ran = []
    with pytest.raises(MfaAwsError, match=r"^fact_name: "):
        sts_task_result(lambda: ran.append(1), {"fact_name": "not-a-name"}, False, unlocked)
    assert ran == []


def test_a_profile_name_is_checked_before_the_exchange_runs():
    ran = []
    options = {"fact_name": "admin", "write_profile": "bad name"}
    with pytest.raises(MfaAwsError, match=r"^write_profile: 'bad name' is not a usable profile name"):
        sts_task_result(lambda: ran.append(1), options, False, unlocked)
    assert ran == []


def test_write_profile_is_the_only_change_and_check_mode_writes_nothing(home):
    options = {"fact_name": "admin", "write_profile": "mfa", "credentials_file": None}
    checked = sts_task_result(exchange, options, True, unlocked)
    assert checked["changed"] is True
    assert checked["profile"] == {"name": "mfa", "file": str(home / ".aws" / "credentials")}
    assert not (home / ".aws" / "credentials").exists()
    written = sts_task_result(exchange, options, False, unlocked)
    assert written["changed"] is True
    assert "aws_secret_access_key = " + SECRET in (home / ".aws" / "credentials").read_text()
    again = sts_task_result(exchange, options, False, unlocked)
    assert again["changed"] is False


def test_without_write_profile_nothing_changes():
    result = sts_task_result(exchange, {"fact_name": "admin"}, False, unlocked)
    assert result["changed"] is False and "profile" not in result


def test_a_failure_is_the_one_line_and_what_aws_said():
    assert failure(MfaAwsError("region: bad")) == {"failed": True, "changed": False, "msg": "region: bad"}
    refused = failure(AwsCallError("AssumeRole was refused", aws_code="AccessDenied", request_id="req-1"))
    assert refused["error"] == {"code": "AccessDenied", "request_id": "req-1"}
    assert "error" not in failure(AwsCallError("no answer", code_may_be_spent=True))
