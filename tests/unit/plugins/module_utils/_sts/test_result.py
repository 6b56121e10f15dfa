"""What every front end gets from an exchange: the credentials, when they expire, and who they act as."""

from datetime import UTC, datetime

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

ISSUED = {
    "AccessKeyId": "ASIAEXAMPLE000000001",
    "SecretAccessKey": "issued-secret",
    "SessionToken": "issued-token",
    "Expiration": "2030-01-02T03:04:05Z",
}
ROLE_USER = {"Arn": "arn:aws:sts::222222222222:assumed-role/Admin/mfa-aws", "AssumedRoleId": "AROAEXAMPLE:mfa-aws"}
CALLER = {"Account": "111111111111", "Arn": "arn:aws:iam::111111111111:user/alice", "UserId": "AIDAEXAMPLE"}


def test_a_role_acts_as_the_assumed_role_in_its_account():
    result = ExchangeResult.from_response({"Credentials": ISSUED, "AssumedRoleUser": ROLE_USER}, True, ["said"])
    assert result.identity == {"account": "222222222222", "arn": ROLE_USER["Arn"], "user_id": "AROAEXAMPLE:mfa-aws"}
    assert result.credentials == Credentials("ASIAEXAMPLE000000001", "issued-secret", "issued-token")
    assert result.expiration == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert result.cached is True and result.warnings == ["said"]


@pytest.mark.parametrize(
    ("extra", "identity"),
    [
        ({"CallerIdentity": CALLER}, {"account": "111111111111", "arn": CALLER["Arn"], "user_id": "AIDAEXAMPLE"}),
        ({}, {"account": None, "arn": None, "user_id": None}),
    ],
    ids=["asked who it acts as", "only signs roles"],
)
def test_a_session_acts_as_its_caller_when_that_was_asked(extra, identity):
    assert ExchangeResult.from_response({"Credentials": ISSUED, **extra}, False, []).identity == identity


@pytest.mark.parametrize("expiration", ["soon", None, 1700000000])
def test_credentials_without_a_readable_expiration_are_one_line(expiration):
    with pytest.raises(MfaAwsError, match=r"^AWS returned credentials without a readable expiration$"):
        ExchangeResult.from_response({"Credentials": {**ISSUED, "Expiration": expiration}}, False, [])


def test_the_warnings_given_are_copied_not_shared():
    given = ["a"]
    result = ExchangeResult.from_response({"Credentials": ISSUED}, False, given)
    given.append("b")
    assert result.warnings == ["a"]


def test_as_dict_and_environment_hand_over_all_three_parts():
    result = ExchangeResult.from_response({"Credentials": {**ISSUED, "Expiration": "2030-01-02T04:04:05+01:00"}}, False, [])
    assert result.as_dict() == {
        "access_key": "ASIAEXAMPLE000000001",
        "secret_key": "issued-secret",
        "session_token": "issued-token",
        "expiration": "2030-01-02T03:04:05+00:00",
    }
    assert result.environment() == {
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE000000001",
        "AWS_SECRET_ACCESS_KEY": "issued-secret",
        "AWS_SESSION_TOKEN": "issued-token",
    }
    without_token = result._replace(credentials=Credentials("AKIAEXAMPLE", "secret", None))
    assert without_token.environment()["AWS_SESSION_TOKEN"] == ""
