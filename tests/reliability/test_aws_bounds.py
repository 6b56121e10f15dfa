"""The bounds AWS puts on each parameter the collection sends, as the installed botocore's service models carry them,
are the bounds of tests/reliability/aws_rules.py and of the collection's own checks.

AWS moves a bound now and then (SourceIdentity went from 64 characters to 256), and botocore's model follows:
a new botocore that moves one fails this test with no change of ours, which is the point. A check stricter than
AWS refuses what AWS would take; a looser one spends an MFA code on a request AWS then refuses. The fuzz tests
check the collection against aws_rules both ways; this test is what ties aws_rules, and the checks, to AWS.
The models give no most for a session policy's 2048 characters nor for the 10 policy ARNs: those come from
the API reference alone (aws_rules).
"""

from collections.abc import Callable
from typing import Any

import pytest

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._s3 import PAGE_SIZE
from tests.reliability import aws_rules


def accepts(rule: Callable[[Any], Any], value: Any) -> bool:
    """Whether `rule` takes `value`: an aws_rules predicate's answer, or a collection check that did not refuse."""
    try:
        return rule(value) is not False
    except MfaAwsError:
        return False


def tag_key(key: str) -> Any:
    """The collection's tags check, on a tag with this key."""
    return check.tags({key: "x"})


def tag_value(value: str) -> Any:
    return check.tags({"k": value})


def transitive_tag_key(key: str) -> Any:
    """As a request checks them: the tags first, then the keys, which must be among them."""
    return check.transitive_tag_keys([key], check.tags({key: "x"}))


# A string member, a character its pattern allows, and the rules that must take exactly the lengths AWS takes.
STRINGS = [
    (("sts", "GetSessionToken", "SerialNumber"), "a", [aws_rules.serial_number, check.mfa_serial_number]),
    (("sts", "AssumeRole", "SerialNumber"), "a", [aws_rules.serial_number, check.mfa_serial_number]),
    (("sts", "GetSessionToken", "TokenCode"), "1", [aws_rules.token_code, check.mfa_token]),
    (("sts", "AssumeRole", "RoleArn"), "a", [aws_rules.arn]),
    (("sts", "AssumeRole", "PolicyArns", "[]", "arn"), "a", [aws_rules.arn]),
    (("sts", "AssumeRole", "RoleSessionName"), "a", [aws_rules.role_session_name, check.role_session_name]),
    (("sts", "AssumeRole", "ExternalId"), "a", [aws_rules.external_id, check.external_id]),
    (("sts", "AssumeRole", "SourceIdentity"), "a", [aws_rules.source_identity, check.source_identity]),
    (("sts", "AssumeRole", "Tags", "[]", "Key"), "a", [aws_rules.tag_key, tag_key]),
    (("sts", "AssumeRole", "Tags", "[]", "Value"), "a", [aws_rules.tag_value, tag_value]),
    (("sts", "AssumeRole", "TransitiveTagKeys", "[]"), "a", [aws_rules.tag_key, transitive_tag_key]),
]


@pytest.mark.parametrize(("where", "char", "rules"), STRINGS, ids=[".".join(case[0][1:]) for case in STRINGS])
def test_each_string_takes_the_lengths_aws_takes(where, char, rules):
    bounds = aws_rules.model_member(*where).metadata
    low, high = bounds["min"], bounds["max"]
    for rule in rules:
        name = f"{rule.__module__.rsplit('.', 1)[-1]}.{rule.__name__}"
        assert accepts(rule, char * low), f"{name} refuses {low} characters, AWS's least"
        assert accepts(rule, char * high), f"{name} refuses {high} characters, AWS's most"
        assert not accepts(rule, char * (high + 1)), f"{name} takes {high + 1} characters, past AWS's {high}"
        if low > 0:
            assert not accepts(rule, char * (low - 1)), f"{name} takes {low - 1} characters, short of AWS's {low}"


def policy_arn(arn: str) -> Any:
    """The collection's policy ARNs check, on a list of this one."""
    return check.policy_arns([arn])


@pytest.mark.parametrize(
    ("where", "arn_of", "check_arn"),
    [
        (("sts", "AssumeRole", "RoleArn"), "arn:aws{}:iam::123456789012:role/Admin", check.role_arn),
        (("sts", "AssumeRole", "PolicyArns", "[]", "arn"), "arn:aws{}:iam::aws:policy/ReadOnly", policy_arn),
    ],
    ids=["RoleArn", "PolicyArns.arn"],
)
def test_an_arn_is_taken_up_to_the_length_aws_takes(where, arn_of, check_arn):
    """The collection wants an ARN's shape too (a name is at most 512 characters, as IAM's are), so only the most
    length is AWS's: an ARN that long, its partition drawn out, is taken; one longer is not."""
    high = aws_rules.model_member(*where).metadata["max"]
    longest = arn_of.format("-" * (high - len(arn_of.format(""))))
    assert len(longest) == high
    assert accepts(check_arn, longest), f"an ARN of {high} characters, AWS's most, refused"
    assert not accepts(check_arn, longest.replace("-", "--", 1)), f"an ARN of {high + 1} characters taken"


def inclusive(allowed: range | tuple[int, int]) -> tuple[int, int]:
    """aws_rules keeps a range, the collection a (least, most) pair: both as the pair."""
    return (allowed.start, allowed.stop - 1) if isinstance(allowed, range) else allowed


# A number member, and the bounds of aws_rules and of the collection for it.
NUMBERS = [
    (("sts", "GetSessionToken", "DurationSeconds"), [aws_rules.SESSION_DURATION, check.SESSION_DURATION]),
    (("sts", "AssumeRole", "DurationSeconds"), [aws_rules.ROLE_DURATION, check.ROLE_DURATION]),
    (("s3", "ListBuckets", "MaxBuckets"), [aws_rules.MAX_BUCKETS, PAGE_SIZE]),
]


@pytest.mark.parametrize(("where", "bounds"), NUMBERS, ids=[".".join(case[0][1:]) for case in NUMBERS])
def test_each_number_takes_the_range_aws_takes(where, bounds):
    metadata = aws_rules.model_member(*where).metadata
    for allowed in bounds:
        assert inclusive(allowed) == (metadata["min"], metadata["max"])


@pytest.mark.parametrize(
    ("where", "mosts"),
    [
        (("sts", "AssumeRole", "Tags"), [aws_rules.MAX_TAGS, check.MAX_TAGS]),
        (("sts", "AssumeRole", "TransitiveTagKeys"), [aws_rules.MAX_TRANSITIVE_KEYS, check.MAX_TRANSITIVE_TAG_KEYS]),
    ],
    ids=["Tags", "TransitiveTagKeys"],
)
def test_each_list_holds_what_aws_holds(where, mosts):
    assert mosts == [aws_rules.model_member(*where).metadata["max"]] * len(mosts)
