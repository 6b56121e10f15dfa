"""Local checks refuse, with a line naming the option, exactly what STS would refuse."""

import datetime
import json

import pytest

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError


@pytest.mark.parametrize("value", ["123456", "000000", " 654321 "])
def test_codes_of_six_digits_pass(value):
    assert check.mfa_token(value) == value.strip()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("12345", "got 5 digits"),
        ("1234567", "got 7 digits"),
        ("12a456", "not all digits"),
        ("１２３４５６", "not all digits"),  # full-width digits are not what STS takes
        (12345, "leading zeros"),
        (True, "as a string"),
        (["123456"], "as a string"),
    ],
)
def test_bad_codes_are_refused_with_the_rule(value, words):
    with pytest.raises(MfaAwsError, match="^mfa_token: ") as error:
        check.mfa_token(value)
    assert words in str(error.value)
    assert "\n" not in str(error.value)


def test_a_code_given_as_a_number_with_six_digits_passes():
    assert check.mfa_token(123456) == "123456"


@pytest.mark.parametrize(
    "value", ["arn:aws:iam::123456789012:mfa/alice", "GAHT12345678", "arn:aws-cn:iam::123456789012:mfa/a.b@c"]
)
def test_serials_pass(value):
    assert check.mfa_serial_number(value) == value


@pytest.mark.parametrize("value", ["short", "arn:aws:iam::123456789012:mfa/alice smith", "x" * 257])
def test_bad_serials_are_refused(value):
    with pytest.raises(MfaAwsError, match="^mfa_serial_number: must be 9-256 characters"):
        check.mfa_serial_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::123456789012:role/Admin",
        "arn:aws:iam::123456789012:role/path/to/Admin",
        "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f-g",
    ],
)
def test_role_arns_pass(value):
    assert check.role_arn(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "Admin",
        "arn:aws:iam::12345678901:role/Admin",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:sts::123456789012:role/Admin",
        "arn:aws:iam::123456789012:role/",
    ],
)
def test_bad_role_arns_are_refused(value):
    with pytest.raises(MfaAwsError, match="^role_arn: must be a role ARN"):
        check.role_arn(value)


def arn_of(length, tail):
    """An ARN of `length` characters (or one less), its partition name padded: the patterns take any length there."""
    return "arn:aws" + "-x" * ((length - len("arn:aws") - len(tail)) // 2) + tail


def test_a_role_arn_of_2048_characters_passes_and_one_more_is_refused():
    # STS's RoleArn is at most 2048 characters; the pattern alone would take a longer partition name.
    longest = arn_of(2048, ":iam::123456789012:role/Admin")
    assert len(longest) == 2048 and check.role_arn(longest) == longest
    with pytest.raises(MfaAwsError, match="^role_arn: must be a role ARN"):
        check.role_arn(longest.replace("arn:aws", "arn:aws-", 1))


@pytest.mark.parametrize(("value", "ok"), [("ab", True), ("a" * 64, True), ("a", False), ("a" * 65, False), ("a b", False)])
def test_session_names(value, ok):
    if ok:
        assert check.role_session_name(value) == value
    else:
        with pytest.raises(MfaAwsError, match="^role_session_name: must be 2-64"):
            check.role_session_name(value)


@pytest.mark.parametrize(
    ("value", "bounds", "expected"),
    [(900, check.SESSION_DURATION, 900), ("3600", check.ROLE_DURATION, 3600), (129600, check.SESSION_DURATION, 129600)],
)
def test_durations_in_bounds_pass(value, bounds, expected):
    assert check.duration_seconds(value, bounds) == expected


@pytest.mark.parametrize(
    ("value", "bounds", "words"),
    [
        (899, check.SESSION_DURATION, "from 900 to 129600 seconds, got 899"),
        (129601, check.SESSION_DURATION, "got 129601"),
        (43201, check.ROLE_DURATION, "from 900 to 43200 seconds, got 43201"),
        ("an hour", check.ROLE_DURATION, "whole number"),
        (1800.5, check.ROLE_DURATION, "whole number"),
        (True, check.ROLE_DURATION, "whole number"),
    ],
)
def test_durations_out_of_bounds_are_refused(value, bounds, words):
    with pytest.raises(MfaAwsError, match="^duration_seconds: ") as error:
        check.duration_seconds(value, bounds)
    assert words in str(error.value)


@pytest.mark.parametrize(("value", "ok"), [("ab", True), ("x:y/z=1", True), ("a", False), ("a b", False), ("a" * 1225, False)])
def test_external_ids(value, ok):
    if ok:
        assert check.external_id(value) == value
    else:
        with pytest.raises(MfaAwsError, match="^external_id: must be 2-1224"):
            check.external_id(value)


def test_policy_as_mapping_and_text_compact_to_the_same_json():
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    assert check.policy(document) == check.policy(json.dumps(document, indent=4))
    assert json.loads(check.policy(document)) == document
    # Keys in any order compact to one text, so one document has one cache key.
    reordered = {"Statement": document["Statement"], "Version": "2012-10-17"}
    assert check.policy(reordered) == check.policy(document) == (
        '{"Statement":[{"Action":"s3:*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}'
    )


def test_a_policy_outside_ascii_is_sent_escaped():
    # STS takes only U+0009, U+000A, U+000D and U+0020-U+00FF in a policy: JSON's escapes keep to those.
    text = check.policy({"Sid": "caf\u00e9\u2603\tx"})
    assert text == '{"Sid":"caf\\u00e9\\u2603\\tx"}' and text.isascii() and text.isprintable()


@pytest.mark.parametrize(
    ("value", "words"),
    [("{not json", "is not valid JSON"), ("[1, 2]", "must be a JSON object"), ({"Sid": "x" * 2100}, "STS allows 2048")],
)
def test_bad_policies_are_refused(value, words):
    with pytest.raises(MfaAwsError, match="^policy: ") as error:
        check.policy(value)
    assert words in str(error.value)


def test_a_policy_arn_of_2048_characters_passes_and_one_more_is_refused():
    tail = ":iam::aws:policy/ReadOnlyAccess"
    longest = arn_of(2048, tail) if len(arn_of(2048, tail)) == 2048 else arn_of(2049, tail)
    assert len(longest) == 2048 and check.policy_arns([longest]) == [longest]
    with pytest.raises(MfaAwsError, match="^policy_arns: .* is not a managed policy ARN"):
        check.policy_arns([longest.replace("arn:aws", "arn:aws-", 1)])


def test_policy_arns():
    arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/team/Mine"]
    assert check.policy_arns(arns) == arns
    with pytest.raises(MfaAwsError, match="^policy_arns: 'arn:aws:iam::123456789012:role/x' is not"):
        check.policy_arns(["arn:aws:iam::123456789012:role/x"])
    with pytest.raises(MfaAwsError, match="at most 10"):
        check.policy_arns(arns * 6)


def test_tags_and_transitive_keys():
    tags = check.tags({"Project": "blue sky", "cost-centre": 42})
    assert tags == {"Project": "blue sky", "cost-centre": "42"}
    assert check.transitive_tag_keys(["Project"], tags) == ["Project"]
    with pytest.raises(MfaAwsError, match="^transitive_tag_keys: names keys that are not in tags: Team"):
        check.transitive_tag_keys(["Team"], tags)
    with pytest.raises(MfaAwsError, match="^tags: key 'a#b'"):
        check.tags({"a#b": "x"})
    with pytest.raises(MfaAwsError, match="at most 50"):
        check.tags({f"k{i}": "v" for i in range(51)})


@pytest.mark.parametrize(
    ("value", "ok"),
    [("alice", True), ("aws:alice", False), ("a", False), ("a" * 65, True), ("a" * 256, True), ("a" * 257, False)],
)
def test_source_identity(value, ok):
    if ok:
        assert check.source_identity(value) == value
    else:
        with pytest.raises(MfaAwsError, match="^source_identity: "):
            check.source_identity(value)


def test_a_code_without_its_device_is_refused():
    with pytest.raises(MfaAwsError, match="^mfa_token: was given without mfa_serial_number"):
        check.mfa_pair(None, "123456")
    check.mfa_pair("arn:aws:iam::123456789012:mfa/alice", None)


@pytest.mark.parametrize("value", [{"Version": "2012-10-17", "When": datetime.date(2026, 1, 1)}, {"Tags": {1, 2}}])
def test_a_policy_holding_what_json_cannot_is_one_line(value):
    with pytest.raises(MfaAwsError, match=r"^policy: holds a value JSON can't hold"):
        check.policy(value)


def test_a_policy_nested_too_deeply_is_one_line():
    document: dict = {}
    inner = document
    for _round in range(5000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(MfaAwsError, match=r"^policy: "):
        check.policy(document)


# STS's limits at their exact edges, as the STS API reference gives them (AssumeRole, Tag): the policy's
# plaintext at most 2,048 characters, up to 10 managed policy ARNs, a tag key up to 128 characters and a value up
# to 256. The numbers are written here, not read from the module, so moving a limit fails here.


def test_a_policy_of_exactly_2048_characters_is_accepted_and_2049_refused():
    # Compacted, {"Statement":"..."} is 16 characters around the text.
    assert len(check.policy({"Statement": "x" * 2032})) == 2048
    with pytest.raises(MfaAwsError, match=r"^policy: is 2049 characters once compacted; STS allows 2048$"):
        check.policy({"Statement": "x" * 2033})


def test_ten_policy_arns_are_accepted_and_eleven_refused():
    arns = [f"arn:aws:iam::aws:policy/Policy{index}" for index in range(11)]
    assert check.policy_arns(arns[:10]) == arns[:10]
    with pytest.raises(MfaAwsError, match=r"^policy_arns: takes at most 10 managed policy ARNs, got 11$"):
        check.policy_arns(arns)


def test_fifty_session_tags_are_accepted_and_fifty_one_refused():
    tags = {f"Key{index}": "value" for index in range(51)}
    fifty = dict(list(tags.items())[:50])
    assert check.tags(fifty) == fifty
    with pytest.raises(MfaAwsError, match=r"^tags: takes at most 50 session tags, got 51$"):
        check.tags(tags)


def test_an_empty_tag_value_is_accepted():
    # STS's tag values are 0-256 characters; an unset value is sent empty.
    assert check.tags({"Team": "", "Owner": None}) == {"Team": "", "Owner": ""}


def test_fifty_transitive_tag_keys_are_accepted_and_fifty_one_refused():
    tags = {f"Key{index}": "value" for index in range(51)}
    keys = list(tags)
    assert check.transitive_tag_keys(keys[:50], tags) == keys[:50]
    with pytest.raises(MfaAwsError, match=r"^transitive_tag_keys: takes at most 50 keys, got 51$"):
        check.transitive_tag_keys(keys, tags)


def test_a_tag_value_of_256_characters_is_accepted_and_257_refused():
    assert check.tags({"Team": "v" * 256}) == {"Team": "v" * 256}
    with pytest.raises(MfaAwsError, match=r"^tags: value of 'Team' must be at most 256"):
        check.tags({"Team": "v" * 257})


def test_a_tag_key_of_128_characters_is_accepted_and_129_refused():
    assert check.tags({"k" * 128: "v"}) == {"k" * 128: "v"}
    with pytest.raises(MfaAwsError, match=r"^tags: key 'k{129}' must be 1-128"):
        check.tags({"k" * 129: "v"})


@pytest.mark.parametrize("value", ["AWS:alice", "Aws:alice", "aws:a", "alice:aws"])
def test_a_source_identity_with_a_colon_or_the_aws_prefix_in_any_case_is_refused(value):
    with pytest.raises(MfaAwsError, match=r"^source_identity: .*not start with 'aws:'$"):
        check.source_identity(value)
