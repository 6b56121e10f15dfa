"""Policy evaluation as IAM evaluates it where the emulator's rules and AWS's could part: a negated operator
on a key the request does not carry holds, and what the emulator does not evaluate is refused, not guessed."""

import json
from typing import TYPE_CHECKING, Any

import pytest
from moto.iam.models import iam_backends

from tests.emulator import policy
from tests.emulator.principals import PARTITION
from tests.emulator_tests._aws import Keys, mfa_session, refusal, s3, sts

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

#: A request from long-term keys: no aws:MultiFactorAuthPresent, no sts:ExternalId.
LONG_TERM = {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/alice", "aws:PrincipalAccount": "111111111111"}


def allow(condition: dict[str, Any], **statement: Any) -> dict[str, Any]:
    return {
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": condition, **statement}
        ]
    }


@pytest.mark.parametrize(
    "operator",
    ["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "ArnNotEquals", "ArnNotLike"],
)
def test_a_negated_operator_holds_on_an_absent_key(operator: str) -> None:
    document = allow({operator: {"sts:ExternalId": "1"}})
    assert policy.decide([document], "sts:AssumeRole", "*", LONG_TERM) == "Allow"
    # And on a present key, it holds only when the value does not match.
    assert policy.decide([document], "sts:AssumeRole", "*", {**LONG_TERM, "sts:ExternalId": "2"}) == "Allow"
    assert policy.decide([document], "sts:AssumeRole", "*", {**LONG_TERM, "sts:ExternalId": "1"}) == "NoMatch"


@pytest.mark.parametrize("operator", ["StringEquals", "StringLike", "NumericEquals", "ArnEquals", "Bool"])
def test_a_positive_operator_fails_on_an_absent_key_unless_if_exists(operator: str) -> None:
    assert policy.decide([allow({operator: {"sts:ExternalId": "1"}})], "sts:AssumeRole", "*", LONG_TERM) == "NoMatch"
    assert (
        policy.decide([allow({f"{operator}IfExists": {"sts:ExternalId": "1"}})], "sts:AssumeRole", "*", LONG_TERM)
        == "Allow"
    )


def test_deny_unless_mfa_with_a_negated_operator_denies_long_term_keys() -> None:
    # The "deny without MFA" pattern written with BoolIfExists' opposite: a caller with no MFA key is denied.
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:MultiFactorAuthPresent": "true"}},
            },
        ]
    }
    assert policy.decide([document], "s3:ListAllMyBuckets", "*", LONG_TERM) == "Deny"
    with_mfa = {**LONG_TERM, "aws:MultiFactorAuthPresent": "true"}
    assert policy.decide([document], "s3:ListAllMyBuckets", "*", with_mfa) == "Allow"


@pytest.mark.parametrize("operator", ["DateLessThan", "IpAddress", "ForAnyValue:StringEquals", "BinaryEquals"])
def test_an_operator_it_does_not_evaluate_is_refused_whether_or_not_the_key_is_there(operator: str) -> None:
    for context in (LONG_TERM, {**LONG_TERM, "sts:ExternalId": "1"}):
        with pytest.raises(policy.NotEvaluated, match=operator):
            policy.decide([allow({operator: {"sts:ExternalId": "1"}})], "sts:AssumeRole", "*", context)


def test_not_principal_is_refused_not_matched_to_everyone() -> None:
    document = {
        "Statement": [
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:user/bob"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    with pytest.raises(policy.NotEvaluated, match="NotPrincipal"):
        policy.decide([document], "sts:AssumeRole", "*", LONG_TERM, principal_arns=[LONG_TERM["aws:PrincipalArn"]])


def test_a_trust_policy_with_not_principal_answers_the_emulators_own_refusal(
    emulator: "Emulator", world: "World"
) -> None:
    role = world.roles["admin"]
    stored = iam_backends[role.account_id][PARTITION].roles[_role_id(role)]
    stored.assume_role_policy_document = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "sts:AssumeRole",
                }
            ]
        }
    )
    session = mfa_session(emulator, world)
    denied = refusal(lambda: sts(emulator, session).assume_role(RoleArn=role.arn, RoleSessionName="ops"))
    assert (denied.status, denied.code) == (501, "NotImplemented")
    assert "NotPrincipal" in denied.message and "a limit of the emulator" in denied.message
    # Nothing else is disturbed: the session still lists its buckets.
    assert s3(emulator, Keys(session.access_key_id, session.secret_access_key, session.session_token)).list_buckets()


def _role_id(role: Any) -> str:
    roles = iam_backends[role.account_id][PARTITION].roles
    return next(key for key, stored in roles.items() if stored.arn == role.arn)
