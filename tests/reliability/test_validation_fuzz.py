"""Bad input, fuzzed: every value is refused in one line naming its option, or accepted and valid for AWS; and
where the collection's rule is meant to be AWS's own, no value AWS takes is refused.

Unit level: the collection's pure checks are called directly (the playbook tests in
test_validation_end_to_end.py show that a refusal costs no STS call). What AWS accepts is written
down independently in aws_rules.py; nothing here reads the collection's own patterns or bounds.
"""

import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.mfa.aws.plugins.module_utils import _validation as check
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import (
    ASSUME_ROLE_OPTIONS,
    S3_BUCKET_LIST_OPTIONS,
    SESSION_OPTIONS,
)
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest, SessionRequest
from ansible_collections.mfa.aws.plugins.module_utils._results import fact_name
from ansible_collections.mfa.aws.plugins.module_utils._s3 import _check as s3_check
from tests.reliability import aws_rules

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Every option at once: each example costs more, and the single-option tests cover the values.
FUZZ_TOGETHER = settings(FUZZ, max_examples=100)

# AWS's bounds, as the API references give them (the same numbers as aws_rules, spelled for strategies).
SESSION_BOUNDS = (900, 129600)
ROLE_BOUNDS = (900, 43200)

KEYS = {"access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
ROLE = "arn:aws:iam::123456789012:role/Admin"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("accepted", value) or ("refused", message); any other exception fails the test as it is."""
    try:
        return "accepted", call()
    except MfaAwsError as error:
        return "refused", str(error)


def assert_one_line_naming(message: str, *options: str) -> None:
    assert message.strip(), "an empty refusal"
    assert len(message.splitlines()) == 1 and "\n" not in message, f"a refusal over several lines: {message!r}"
    assert any(option in message for option in options), f"{message!r} names none of {options}"


def assert_taken_where_aws_takes(verdict: str, result: Any, value: Any, aws_takes: Callable[[Any], bool]) -> None:
    """For an option whose rule is AWS's own (no stricter by design): what AWS takes is not refused."""
    if aws_takes(value):
        assert verdict == "accepted", f"{value!r} refused, though AWS takes it: {result}"


# -- strategies: random text, near-misses built from what AWS allows, and values around the bounds ------

ASCII_WORD = string.ascii_letters + string.digits + "_"
# Characters that look harmless but are not ASCII word characters, or are line breaks of some kind.
TRICKY = "éßИ٣²Ⅻ　\u00a0\u2028\u2029\x85\x1c\x1d\x1e\x1f\t\n\r\x0b\x0c \x00'\"\\{}[]"


def texts(allowed: str, max_size: int) -> st.SearchStrategy[str]:
    """Mostly allowed characters with a few tricky ones, of any length up to max_size."""
    return st.one_of(
        st.text(alphabet=allowed, max_size=max_size),
        st.text(alphabet=allowed + TRICKY, max_size=max_size),
        st.text(max_size=max_size),
    )


def around(low: int, high: int) -> st.SearchStrategy[int]:
    """Lengths at and either side of a range's bounds, and anywhere in between."""
    return st.one_of(st.sampled_from([0, 1, low - 1, low, low + 1, high - 1, high, high + 1]), st.integers(0, high + 5))


def sized_text(allowed: str, low: int, high: int) -> st.SearchStrategy[str]:
    return around(low, high).flatmap(
        lambda size: (
            st.text(alphabet=allowed + TRICKY[:8], min_size=max(size, 0), max_size=max(size, 0))
            | st.text(alphabet=allowed, min_size=max(size, 0), max_size=max(size, 0))
        )
    )


def serials() -> st.SearchStrategy[str]:
    names = texts(ASCII_WORD + "+=,.@-", 300)
    return st.one_of(
        texts(ASCII_WORD + "+=/:,.@-", 300),
        sized_text(ASCII_WORD + "+=/:,.@-", 9, 256),
        st.builds(
            lambda account, name: f"arn:aws:iam::{account}:mfa/{name}",
            st.from_regex(r"[0-9]{12}", fullmatch=True),
            names,
        ),
    )


def tokens() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.just(""),
        texts(string.digits + " ", 9),
        st.from_regex(r"\s*[0-9]{5,7}\s*", fullmatch=True),
        st.from_regex(r"\d{6}", fullmatch=True),  # any Unicode digits, not only 0-9
        st.integers(-1_000_000, 10_000_000),
        st.booleans(),
    )


def role_arns() -> st.SearchStrategy[str]:
    partition = st.sampled_from(["aws", "aws-cn", "aws-us-gov", "aws-iso-b"]) | texts("abcz-", 30).map("aws".__add__)
    account = st.from_regex(r"[0-9]{12}", fullmatch=True) | texts(string.digits, 14)
    name = around(1, 512).flatmap(lambda n: st.text(alphabet=ASCII_WORD + "+=,.@/-", min_size=n, max_size=n)) | texts(
        ASCII_WORD + "+=,.@/-", 600
    )
    built = st.builds(lambda p, a, n: f"arn:{p}:iam::{a}:role/{n}", partition, account, name)
    return st.one_of(built, texts(ASCII_WORD + ":/-", 80))


def policy_arns_strategy() -> st.SearchStrategy[list[str]]:
    partition = st.sampled_from(["aws", "aws-cn"]) | st.integers(0, 2100).map(lambda n: "aws" + "-" * n)
    account = st.sampled_from(["aws", "123456789012"]) | texts(string.digits + "aws", 14)
    name = texts(ASCII_WORD + "+=,.@/-", 600).filter(bool)
    built = st.builds(lambda p, a, n: f"arn:{p}:iam::{a}:policy/{n}", partition, account, name)
    return st.lists(st.one_of(built, texts(ASCII_WORD + ":/-", 60)), max_size=12)


def durations() -> st.SearchStrategy[Any]:
    edges = [899, 900, 901, 3600, 43199, 43200, 43201, 129599, 129600, 129601]
    return st.one_of(
        st.none(),
        st.sampled_from(edges),
        st.integers(-10, 200_000),
        st.sampled_from(edges).map(str),
        st.sampled_from(edges).map(lambda n: f" {n} "),
        st.sampled_from(["0900", "1_000", "9e2", "९००", "", " ", "3600.0", "0x384"]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
    )


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=40,
)


def policies() -> st.SearchStrategy[Any]:
    statement = st.fixed_dictionaries(
        {
            "Effect": st.sampled_from(["Allow", "Deny"]),
            "Action": st.text(max_size=40),
            "Resource": st.text(max_size=2100),
        }
    )
    documents = st.fixed_dictionaries({"Version": st.just("2012-10-17"), "Statement": st.lists(statement, max_size=3)})
    as_text = st.one_of(documents, JSON_VALUES).map(json.dumps)
    return st.one_of(
        st.none(),
        st.just(""),
        documents,
        st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=5),
        as_text,
        st.text(max_size=60),
        st.sampled_from(['{"a": NaN}', '{"a": Infinity}', "{}", "[]", "null", '"text"', "{'single': 'quotes'}"]),
        JSON_VALUES,
    )


TAG_CHARS = string.ascii_letters + string.digits + " _.:/=+-@" + "ÄéИ٣"
TAG_KEYS = st.one_of(texts(TAG_CHARS, 130), sized_text(TAG_CHARS, 1, 128), st.integers(-5, 5))
TAG_VALUES = st.one_of(
    texts(TAG_CHARS, 260), sized_text(TAG_CHARS, 0, 256), st.none(), st.integers(), st.booleans(), st.floats()
)


def tag_dicts() -> st.SearchStrategy[dict[Any, Any]]:
    small = st.dictionaries(TAG_KEYS, TAG_VALUES, max_size=6)
    # Keys that differ only by case: AWS treats tag keys case-insensitively.
    cased = st.text(alphabet=string.ascii_letters, min_size=1, max_size=8).map(
        lambda key: {key.lower(): "a", key.upper(): "b"}
    )
    many = st.integers(45, 55).map(lambda n: {f"k{i}": "v" for i in range(n)})
    return st.one_of(small, cased, many)


def tags_and_transitive_keys() -> st.SearchStrategy[tuple[dict[Any, Any], list[str]]]:
    def keys_for(tags: dict[Any, Any]) -> st.SearchStrategy[tuple[dict[Any, Any], list[str]]]:
        present = [str(key) for key in tags]
        chosen = st.sampled_from(present) if present else st.nothing()
        element = st.one_of(chosen, texts(TAG_CHARS, 20), chosen.map(str.swapcase)) if present else texts(TAG_CHARS, 20)
        return st.lists(element, max_size=60).map(lambda keys: (tags, keys))

    return tag_dicts().flatmap(keys_for)


# -- one option at a time ------------------------------------------------------------------------------------


@FUZZ
@given(tokens())
@example("012345")
@example(12345)
@example("\uff11\uff12\uff13\uff14\uff15\uff16")  # fullwidth digits
def test_mfa_token(value):
    verdict, result = outcome(lambda: check.mfa_token(value))
    assert_taken_where_aws_takes(verdict, result, value, aws_rules.token_code)
    if verdict == "refused":
        assert_one_line_naming(result, "mfa_token")
    elif value in (None, ""):
        assert result is None
    else:
        assert aws_rules.token_code(result), f"{value!r} accepted as {result!r}"


@FUZZ
@given(st.one_of(st.none(), st.just(""), serials()))
@example("arn:aws:iam::123456789012:mfa/élise")
@example("GAHT12345678")
def test_mfa_serial_number(value):
    verdict, result = outcome(lambda: check.mfa_serial_number(value))
    assert_taken_where_aws_takes(verdict, result, value, aws_rules.serial_number)
    if verdict == "refused":
        assert_one_line_naming(result, "mfa_serial_number")
    elif not value:
        assert result is None
    else:
        assert aws_rules.serial_number(result), f"{value!r} accepted"


@FUZZ
@given(st.one_of(st.none(), st.just(""), role_arns()))
@example("arn:aws:iam::123456789012:role/" + "a" * 2030)
def test_role_arn(value):
    verdict, result = outcome(lambda: check.role_arn(value))
    if verdict == "refused":
        assert_one_line_naming(result, "role_arn")
    else:
        assert aws_rules.arn(result), f"{value!r} accepted"


@FUZZ
@given(st.one_of(st.none(), texts(ASCII_WORD + "+=,.@-", 70), sized_text(ASCII_WORD + "+=,.@-", 2, 64)))
@example("éé")
@example("a²")
def test_role_session_name(value):
    verdict, result = outcome(lambda: check.role_session_name(value))
    assert_taken_where_aws_takes(verdict, result, value, aws_rules.role_session_name)
    if verdict == "refused":
        assert_one_line_naming(result, "role_session_name")
    elif value is None:
        assert result is None
    else:
        assert aws_rules.role_session_name(result), f"{value!r} accepted"


@FUZZ
@given(st.one_of(st.none(), texts(ASCII_WORD + "+=,.@:/-", 1230), sized_text(ASCII_WORD + "+=,.@:/-", 2, 1224)))
def test_external_id(value):
    verdict, result = outcome(lambda: check.external_id(value))
    assert_taken_where_aws_takes(verdict, result, value, aws_rules.external_id)
    if verdict == "refused":
        assert_one_line_naming(result, "external_id")
    elif value is None:
        assert result is None
    else:
        assert aws_rules.external_id(result), f"{value!r} accepted"


@FUZZ
@given(
    st.one_of(
        st.none(),
        texts(ASCII_WORD + "+=,.@-:", 260),
        sized_text(ASCII_WORD + "+=,.@-", 2, 256),
        texts(ASCII_WORD, 20).map("aws:".__add__),
    )
)
def test_source_identity(value):
    verdict, result = outcome(lambda: check.source_identity(value))
    assert_taken_where_aws_takes(verdict, result, value, aws_rules.source_identity)
    if verdict == "refused":
        assert_one_line_naming(result, "source_identity")
    elif value is None:
        assert result is None
    else:
        assert aws_rules.source_identity(result), f"{value!r} accepted"


@pytest.mark.parametrize(
    ("allowed", "bounds"), [(aws_rules.SESSION_DURATION, SESSION_BOUNDS), (aws_rules.ROLE_DURATION, ROLE_BOUNDS)]
)
@FUZZ
@given(value=durations())
def test_duration_seconds(allowed, bounds, value):
    verdict, result = outcome(lambda: check.duration_seconds(value, bounds))
    assert_taken_where_aws_takes(verdict, result, value, lambda given: aws_rules.duration(given, allowed))
    if verdict == "refused":
        assert_one_line_naming(result, "duration_seconds")
    elif value is None:
        assert result is None
    else:
        assert aws_rules.duration(result, allowed), f"{value!r} accepted as {result!r}"


@FUZZ
@given(policies())
@example({"a": float("nan")})
@example('{"a": NaN}')
@example({"Statement": "x" * 2100})
def test_policy(value):
    verdict, result = outcome(lambda: check.policy(value))
    if verdict == "refused":
        assert_one_line_naming(result, "policy")
    elif value is None or value == "":
        assert result is None
    else:
        assert aws_rules.policy(result), f"{value!r} accepted as {result!r}"


@FUZZ
@given(policy_arns_strategy())
@example(["arn:aws" + "-" * 2040 + ":iam::aws:policy/ReadOnlyAccess"])
@example(["arn:aws:iam::aws:policy/x\ny"])
def test_policy_arns(values):
    verdict, result = outcome(lambda: check.policy_arns(values))
    if verdict == "refused":
        assert_one_line_naming(result, "policy_arns")
    elif not values:
        assert result is None
    else:
        assert aws_rules.policy_arns(result), f"{values!r} accepted"


def as_sent(tags: dict[str, str] | None) -> list[dict[str, str]] | None:
    return [{"Key": key, "Value": value} for key, value in tags.items()] if tags else None


@FUZZ
@given(tag_dicts())
@example({"Team": "a", "team": "b"})
@example({"a\tb": "c"})
@example({"k": "line\nbreak"})
@example({"k": "\x1f"})
def test_tags(values):
    verdict, result = outcome(lambda: check.tags(values))
    if all(isinstance(key, str) and isinstance(value, str) for key, value in values.items()):
        assert_taken_where_aws_takes(verdict, result, as_sent(values), aws_rules.tags)
    if verdict == "refused":
        assert_one_line_naming(result, "tags")
    elif not values:
        assert result is None
    else:
        assert aws_rules.tags(as_sent(result)), f"{values!r} accepted as {result!r}"


@FUZZ
@given(tags_and_transitive_keys())
@example(({"a": "1"}, ["a"] * 51))
@example(({"a\n": "1"}, ["b\nc"]))
def test_transitive_tag_keys(case):
    tags, keys = case
    verdict, checked = outcome(lambda: check.tags(tags))
    if verdict == "refused":
        return  # test_tags covers this; with bad tags nothing reaches transitive_tag_keys
    verdict, result = outcome(lambda: check.transitive_tag_keys(keys, checked))
    if verdict == "refused":
        assert_one_line_naming(result, "transitive_tag_keys")
    elif not keys:
        assert result is None
    else:
        assert aws_rules.transitive_tag_keys(result, as_sent(checked)), f"{keys!r} accepted for tags {checked!r}"


COMMANDS = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["", "   ", "op item get aws --otp", "'unclosed", 'printf "%s" 123456', "a\\", "''"]),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=3),
)


@FUZZ
@given(COMMANDS)
def test_mfa_token_command(value):
    verdict, result = outcome(lambda: check.mfa_token_command(value))
    if verdict == "refused":
        assert_one_line_naming(result, "mfa_token_command")
    elif value is None or (isinstance(value, str) and not value.strip()):
        assert result is None
    else:
        assert isinstance(result, list) and result and all(isinstance(arg, str) for arg in result), result


@FUZZ
@given(st.one_of(st.none(), st.just(""), serials()), tokens(), st.sampled_from([None, "", "op item get aws --otp"]))
def test_a_code_needs_its_device(serial, token, command):
    verdict, result = outcome(lambda: check.mfa_pair(serial or None, check.mfa_token(token), command))
    if verdict == "refused":
        assert_one_line_naming(result, "mfa_token", "mfa_token_command")
    else:
        assert serial or not (check.mfa_token(token) or command)


@FUZZ
@given(texts(ASCII_WORD, 30))
@example("class")
@example("ä")
def test_fact_name(value):
    verdict, result = outcome(lambda: fact_name(value))
    if verdict == "refused":
        assert_one_line_naming(result, "fact_name")
    else:
        assert result.isascii() and result.isidentifier(), f"{value!r} accepted"


# -- connection options: what botocore will build a client from ----------------------------------------------

CONNECTION_NAMES = ("access_key", "secret_key", "session_token", "profile", "region", "endpoint_url", "retries")


def endpoints() -> st.SearchStrategy[str]:
    hosts = st.one_of(
        st.sampled_from(["127.0.0.1:5000", "sts.amazonaws.com", "[::1]:8080", "localhost", "", "bad host", "[::1"]),
        texts(string.ascii_lowercase + string.digits + ".-:[]", 30),
    )
    return st.one_of(
        st.builds("{}{}".format, st.sampled_from(["https://", "http://", "ftp://", "", "https:/"]), hosts),
        st.text(max_size=30),
    )


def regions() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["eu-west-1", "us-east-1", "cn-north-1", "us-gov-west-1", "local", "eu west 1", "-eu", "eu-"]),
        texts(string.ascii_lowercase + string.digits + "-", 70),
    )


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "access_key": st.sampled_from(["", "AKIAIOSFODNN7EXAMPLE"]),
            "secret_key": st.sampled_from(["", "secret"]),
            "session_token": st.sampled_from(["", "token"]),
            "profile": st.sampled_from(["", "dev"]),
            "region": regions(),
            "endpoint_url": endpoints(),
            "retries": st.one_of(st.none(), st.integers(-3, 25), st.booleans()),
            "validate_certs": st.one_of(st.none(), st.booleans()),
        },
    )
)
@example({"endpoint_url": "http://"})
@example({"endpoint_url": "https://bad host"})
@example({"region": "eu west 1"})
def test_connection_options(options):
    verdict, result = outcome(lambda: Connection.from_params(SESSION_OPTIONS.validate(options)))
    if verdict == "refused":
        assert_one_line_naming(result, *CONNECTION_NAMES)
        return
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url, validate_region_name

    assert 0 <= result.retries <= 20 and not isinstance(result.retries, bool), f"retries {result.retries!r} accepted"
    if result.endpoint_url:
        url = result.endpoint_url
        assert url.startswith(("https://", "http://")), f"{url!r} accepted"
        assert is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url), f"botocore refuses endpoint {url!r}"
    if result.region:
        validate_region_name(result.region)  # raises InvalidRegionError for what botocore will not call
    assert bool(result.access_key) == bool(result.secret_key)
    assert not (result.profile and result.access_key)
    assert not result.session_token or result.access_key


# -- s3_bucket_list ------------------------------------------------------------------------------------------


@FUZZ
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "prefix": st.one_of(st.none(), texts(string.ascii_lowercase + "-.", 70), sized_text("abc", 62, 64)),
            "bucket_region": st.one_of(st.none(), regions()),
            "max_buckets": st.one_of(st.none(), st.integers(-2, 20_000)),
            "page_size": st.one_of(st.none(), st.sampled_from([0, 1, 9999, 10000, 10001]), st.integers(-2, 20_000)),
        },
    )
)
@example({"bucket_region": "eu-west-1\n"})
@example({"bucket_region": "eu-west-1\nus-east-1"})
def test_s3_bucket_list_options(options):
    # Through the spec, as the action does: it fills in page_size when none is given.
    verdict, result = outcome(lambda: s3_check(S3_BUCKET_LIST_OPTIONS.validate(options)))
    if verdict == "refused":
        assert_one_line_naming(result, "prefix", "bucket_region", "max_buckets", "page_size")
        return
    from botocore.utils import validate_region_name

    _prefix, region, limit, page_size = result
    sent = page_size if limit is None else min(page_size, limit)
    assert aws_rules.max_buckets(sent), f"MaxBuckets {sent!r} would be sent"
    if region is not None:
        validate_region_name(region)
        assert "\n" not in region


# -- every option at once, through the request builders the modules and lookups use -----------------------------

ROLE_OPTIONS = st.fixed_dictionaries(
    {"role_arn": st.one_of(st.just(ROLE), role_arns())},
    optional={
        "mfa_serial_number": st.one_of(st.just(SERIAL), serials()),
        "mfa_token": tokens(),
        "mfa_token_command": COMMANDS,
        "role_session_name": texts(ASCII_WORD + "+=,.@-", 70),
        "duration_seconds": durations(),
        "external_id": texts(ASCII_WORD + "+=,.@:/-", 80),
        "policy": policies(),
        "policy_arns": policy_arns_strategy(),
        "source_identity": texts(ASCII_WORD + "+=,.@-", 70),
        "region": regions(),
        "endpoint_url": endpoints(),
        "retries": st.integers(-1, 21),
    },
).flatmap(
    lambda options: (
        tags_and_transitive_keys().map(lambda pair: {**options, "tags": pair[0], "transitive_tag_keys": pair[1]})
        | st.just(options)
    )
)


def sent_arguments_are_valid(arguments: dict[str, Any]) -> None:
    rules: dict[str, Callable[[Any], bool]] = {
        "RoleSessionName": aws_rules.role_session_name,
        "DurationSeconds": lambda value: aws_rules.duration(value, aws_rules.ROLE_DURATION),
        "ExternalId": aws_rules.external_id,
        "Policy": aws_rules.policy,
        "PolicyArns": lambda values: aws_rules.policy_arns([value["arn"] for value in values]),
        "Tags": aws_rules.tags,
        "TransitiveTagKeys": lambda values: aws_rules.transitive_tag_keys(values, arguments.get("Tags")),
        "SourceIdentity": aws_rules.source_identity,
        "SerialNumber": aws_rules.serial_number,
    }
    for name, value in arguments.items():
        assert name in rules, f"an argument nothing here checks: {name}"
        assert rules[name](value), f"{name}={value!r} would be sent"


@FUZZ_TOGETHER
@given(ROLE_OPTIONS)
def test_every_assume_role_option_together(options):
    options = {**KEYS, **options}
    verdict, result = outcome(lambda: RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate(options)))
    if verdict == "refused":
        assert_one_line_naming(result, *options)
        return
    mfa, arn, arguments = result.code, result.role_arn, dict(result.arguments)
    assert aws_rules.arn(arn)
    sent_arguments_are_valid(arguments)
    if mfa.token:
        assert aws_rules.token_code(mfa.token) and aws_rules.serial_number(mfa.serial)


@FUZZ_TOGETHER
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "mfa_serial_number": st.one_of(st.just(SERIAL), serials()),
            "mfa_token": tokens(),
            "mfa_token_command": COMMANDS,
            "duration_seconds": durations(),
            "region": regions(),
            "endpoint_url": endpoints(),
            "retries": st.integers(-1, 21),
        },
    )
)
def test_every_session_option_together(options):
    options = {**KEYS, **options}
    verdict, result = outcome(lambda: SessionRequest.from_params(SESSION_OPTIONS.validate(options)))
    if verdict == "refused":
        assert_one_line_naming(result, *options)
        return
    mfa, duration = result.code, result.duration
    assert duration is None or aws_rules.duration(duration, aws_rules.SESSION_DURATION)
    if mfa.token:
        assert aws_rules.token_code(mfa.token) and aws_rules.serial_number(mfa.serial)
    if mfa.serial:
        assert aws_rules.serial_number(mfa.serial)
