"""What AWS accepts, written down here from the STS and S3 API references, not from the collection.

The fuzz tests check every value the collection's validation lets through against these rules, so a
check that is looser than AWS (and would spend an MFA code on a request AWS then refuses) shows up; and,
where the collection's rule is meant to be AWS's own, that nothing these rules take is refused.
test_aws_bounds.py holds every bound here that botocore's service models also give to those models.
Where the reference gives a pattern in Java regex syntax, `\\w` there is ASCII (letters, digits, _),
as the references' prose says ("upper- and lower-case alphanumeric characters with no spaces").
"""

import functools
import json
import re
import unicodedata
from typing import Any

# GetSessionToken / AssumeRole: SerialNumber, 9-256, [\w+=/:,.@-]*
_SERIAL = re.compile(r"[A-Za-z0-9_+=/:,.@-]{9,256}")
# TokenCode: exactly 6, [\d]*
_TOKEN = re.compile(r"[0-9]{6}")
# RoleSessionName: 2-64, [\w+=,.@-]*
_SESSION_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
# SourceIdentity: 2-256 (64 until botocore 1.44), [\w+=,.@-]*
_SOURCE_IDENTITY = re.compile(r"[A-Za-z0-9_+=,.@-]{2,256}")
# ExternalId: 2-1224, [\w+=,.@:/-]*
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}")
# RoleArn and PolicyDescriptorType.arn: 20-2048,
# [\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+
_ARN_CHARS = re.compile("[\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]{20,2048}")
# Policy: 1-2048, [\u0009\u000A\u000D\u0020-\u00FF]+
_POLICY_CHARS = re.compile("[\t\n\r\x20-\xff]{1,2048}")

SESSION_DURATION = range(900, 129600 + 1)
ROLE_DURATION = range(900, 43200 + 1)
MAX_POLICY_ARNS = 10
MAX_TAGS = 50
MAX_TRANSITIVE_KEYS = 50
# ListBuckets: MaxBuckets 1-10000.
MAX_BUCKETS = range(1, 10000 + 1)


def serial_number(value: Any) -> bool:
    return isinstance(value, str) and bool(_SERIAL.fullmatch(value))


def token_code(value: Any) -> bool:
    return isinstance(value, str) and bool(_TOKEN.fullmatch(value))


def role_session_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_SESSION_NAME.fullmatch(value))


def source_identity(value: Any) -> bool:
    # "You cannot use a value that begins with the text aws:. This prefix is reserved for AWS internal use."
    return isinstance(value, str) and bool(_SOURCE_IDENTITY.fullmatch(value)) and not value.startswith("aws:")


def external_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_EXTERNAL_ID.fullmatch(value))


def arn(value: Any) -> bool:
    return isinstance(value, str) and bool(_ARN_CHARS.fullmatch(value))


def policy(value: Any) -> bool:
    """A session policy as sent: JSON text of an object, 1-2048 characters of the allowed set."""
    if not isinstance(value, str) or not _POLICY_CHARS.fullmatch(value):
        return False

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    try:
        document = json.loads(value, parse_constant=refuse)
    except ValueError:
        return False
    return isinstance(document, dict)


def policy_arns(values: Any) -> bool:
    return isinstance(values, list) and 1 <= len(values) <= MAX_POLICY_ARNS and all(arn(value) for value in values)


def _tag_text(value: Any, low: int, high: int) -> bool:
    # [\p{L}\p{Z}\p{N}_.:/=+\-@]+ : letters, separators, numbers and those six symbols.
    return (
        isinstance(value, str)
        and low <= len(value) <= high
        and all(unicodedata.category(char)[0] in "LZN" or char in "_.:/=+-@" for char in value)
    )


def tag_key(value: Any) -> bool:
    return _tag_text(value, 1, 128)


def tag_value(value: Any) -> bool:
    return _tag_text(value, 0, 256)


def tags(value: Any) -> bool:
    """Tags as sent: [{"Key", "Value"}], at most 50; keys are case-insensitive, so no two may differ only by case."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TAGS:
        return False
    keys = [tag.get("Key") for tag in value]
    if not all(tag_key(key) for key in keys) or not all(tag_value(tag.get("Value")) for tag in value):
        return False
    return len({key.lower() for key in keys}) == len(keys)


def transitive_tag_keys(values: Any, sent_tags: Any) -> bool:
    """At most 50 keys, each a tag key, each one of the session tags (case-insensitively)."""
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_TRANSITIVE_KEYS:
        return False
    tagged = {tag["Key"].lower() for tag in sent_tags or []}
    return all(tag_key(value) and value.lower() in tagged for value in values)


def duration(value: Any, allowed: range) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in allowed


def max_buckets(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in MAX_BUCKETS


@functools.cache
def _botocore_session() -> Any:
    import botocore.session  # only for the tests that read the models

    return botocore.session.get_session()


def model_member(service: str, operation: str, *path: str) -> Any:
    """The shape of an input member of `operation` in the installed botocore's service model (its bounds are in
    `.metadata`): `path` goes through members, and "[]" into a list."""
    shape = _botocore_session().get_service_model(service).operation_model(operation).input_shape
    for name in path:
        shape = shape.member if name == "[]" else shape.members[name]
    return shape
