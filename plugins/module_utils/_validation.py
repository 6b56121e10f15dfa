# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local checks of STS parameters, mirroring STS's own constraints.

For the collection's own use. Everything here runs before any call to AWS: a code spent on a request
that STS then refuses for a malformed parameter is a code the user has to wait 30 seconds to replace.
Each check raises MfaAwsError with one line naming the option and the rule.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

# Patterns (matched through re's own cache: compiled on first use, not at import in every forked worker) and
# bounds from the STS API reference (the same ones botocore's service model carries).
# Their \w is ASCII, as in Java ("upper- and lower-case alphanumeric characters"), hence re.ASCII.
_SERIAL = r"[\w+=/:,.@-]{9,256}"
_TOKEN = r"[0-9]{6}"
_SESSION_NAME = r"[\w+=,.@-]{2,64}"
_EXTERNAL_ID = r"[\w+=,.@:/-]{2,1224}"
_SOURCE_IDENTITY = r"[\w+=,.@-]{2,256}"
_ROLE_ARN = r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}"
_POLICY_ARN = r"arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[\w+=,.@/-]{1,512}"
# Tag keys and values: letters, separators, numbers and _.:/=+-@ (STS's [\p{L}\p{Z}\p{N}_.:/=+\-@]);
# not tabs or line breaks, which are control characters, not separators.
_TAG_CATEGORIES = ("L", "Z", "N")
_TAG_SYMBOLS = frozenset("_.:/=+-@")
_DEVICE = "arn:aws:iam::ACCOUNT:mfa/NAME"

SESSION_DURATION = (900, 129600)
ROLE_DURATION = (900, 43200)
POLICY_MAX_CHARS = 2048
MAX_POLICY_ARNS = 10
MAX_TAGS = 50
MAX_TRANSITIVE_TAG_KEYS = 50


def _fail(option: str, rule: str) -> MfaAwsError:
    # Rules quote the values they refuse; a line break or control character in one is shown escaped,
    # so the message stays one line.
    rule = "".join(char if char.isprintable() else repr(char)[1:-1] for char in rule)
    return MfaAwsError(f"{option}: {rule}")


def mfa_token(value: Any) -> str | None:
    """The 6-digit code. An int from YAML loses leading zeros, so it is refused with the fix."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail("mfa_token", "must be the 6 digits your MFA device shows, as a string, e.g. '123456'")
    text = str(value).strip()
    if isinstance(value, int) and len(text) < 6:
        raise _fail(
            "mfa_token",
            "was given as a number and lost its leading zeros; quote it so it stays a string, e.g. '012345'",
        )
    if not re.fullmatch(_TOKEN, text):
        digits = text.isascii() and text.isdigit()
        shape = f"{len(text)} digits" if digits else f"{len(text)} characters, not all digits"
        raise _fail("mfa_token", f"must be exactly the 6 digits your MFA device shows; got {shape}")
    return text


def mfa_serial_number(value: str | None) -> str | None:
    if not value:
        return None
    if not re.fullmatch(_SERIAL, value, re.ASCII):
        raise _fail(
            "mfa_serial_number",
            "must be 9-256 characters of letters, digits and +=/:,.@_- : the MFA device's ARN "
            "(arn:aws:iam::ACCOUNT:mfa/NAME) or a hardware token's serial",
        )
    return value


def role_arn(value: str | None, option: str = "role_arn") -> str:
    if not value or not re.fullmatch(_ROLE_ARN, value) or len(value) > 2048:
        raise _fail(option, "must be a role ARN such as arn:aws:iam::123456789012:role/NAME")
    return value


def role_session_name(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(_SESSION_NAME, value, re.ASCII):
        raise _fail("role_session_name", "must be 2-64 characters of letters, digits and +=,.@_-")
    return value


def duration_seconds(value: Any, bounds: tuple[int, int], option: str = "duration_seconds") -> int | None:
    if value is None:
        return None
    low, high = bounds
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise _fail(option, f"must be a whole number of seconds from {low} to {high}") from None
    if isinstance(value, bool) or number != value and str(number) != str(value).strip():
        raise _fail(option, f"must be a whole number of seconds from {low} to {high}")
    if not low <= number <= high:
        raise _fail(option, f"must be from {low} to {high} seconds, got {number}")
    return number


def external_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(_EXTERNAL_ID, value, re.ASCII):
        raise _fail("external_id", "must be 2-1224 characters of letters, digits and +=,.@:/_-")
    return value


def source_identity(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(_SOURCE_IDENTITY, value, re.ASCII) or value.lower().startswith("aws:"):
        raise _fail(
            "source_identity", "must be 2-256 characters of letters, digits and +=,.@_- and not start with 'aws:'"
        )
    return value


def policy(value: Any) -> str | None:
    """A session policy given as JSON text or as a mapping; returned as compact JSON text."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except ValueError as error:
            raise _fail("policy", f"is not valid JSON ({error})") from None
    else:
        document = value
    if not isinstance(document, dict):
        raise _fail("policy", "must be a JSON object (an IAM policy document with Version and Statement)")
    try:
        text = json.dumps(document, separators=(",", ":"), sort_keys=True, allow_nan=False)
    except ValueError:
        raise _fail("policy", "is not valid JSON (NaN and Infinity are not JSON numbers)") from None
    except (TypeError, RecursionError):
        raise _fail("policy", "holds a value JSON can't hold (a date, a set, ...) or is nested too deeply") from None
    if len(text) > POLICY_MAX_CHARS:
        raise _fail("policy", f"is {len(text)} characters once compacted; STS allows {POLICY_MAX_CHARS}")
    # json.dumps escapes every character outside printable ASCII (ensure_ascii), so the text holds only characters
    # STS takes in a policy (tab, newline, carriage return, U+0020-U+00FF): nothing to refuse here.
    return text


def policy_arns(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    if len(values) > MAX_POLICY_ARNS:
        raise _fail("policy_arns", f"takes at most {MAX_POLICY_ARNS} managed policy ARNs, got {len(values)}")
    for value in values:
        if not re.fullmatch(_POLICY_ARN, value or "") or len(value) > 2048:
            raise _fail("policy_arns", f"'{value}' is not a managed policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)")
    return list(values)


def _tag_text_ok(text: str, low: int, high: int) -> bool:
    import unicodedata

    return low <= len(text) <= high and all(
        unicodedata.category(char)[0] in _TAG_CATEGORIES or char in _TAG_SYMBOLS for char in text
    )


def tags(values: dict[str, Any] | None) -> dict[str, str] | None:
    if not values:
        return None
    if len(values) > MAX_TAGS:
        raise _fail("tags", f"takes at most {MAX_TAGS} session tags, got {len(values)}")
    checked: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, value in values.items():
        key, text = str(key), "" if value is None else str(value)
        if not _tag_text_ok(key, 1, 128):
            raise _fail("tags", f"key '{key}' must be 1-128 letters, digits, spaces or _.:/=+-@")
        if key.lower() in seen:
            raise _fail("tags", f"keys '{seen[key.lower()]}' and '{key}' differ only in case; STS treats them as one")
        seen[key.lower()] = key
        if not _tag_text_ok(text, 0, 256):
            raise _fail("tags", f"value of '{key}' must be at most 256 letters, digits, spaces or _.:/=+-@")
        checked[key] = text
    return checked


def transitive_tag_keys(values: list[str] | None, session_tags: dict[str, str] | None) -> list[str] | None:
    if not values:
        return None
    if len(values) > MAX_TRANSITIVE_TAG_KEYS:
        raise _fail("transitive_tag_keys", f"takes at most {MAX_TRANSITIVE_TAG_KEYS} keys, got {len(values)}")
    missing = [key for key in values if key not in (session_tags or {})]
    if missing:
        raise _fail("transitive_tag_keys", f"names keys that are not in tags: {', '.join(missing)}")
    return list(values)


class SerialMissing(MfaAwsError):
    """A code, or a command that prints one, without the MFA device it is for; `option` names which was given.

    Each front end knows where its users set the device (a lookup also reads variables and the environment),
    so it may word the line again with serial_missing()."""

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


def serial_missing(
    option: str,
    ways: Sequence[str] = ("mfa_serial_number",),
    option_from: str | None = None,
    serial_from: str | None = None,
) -> str:
    """The line for SerialMissing: what was given (and from where), and every way this front end takes the device.

    `serial_from` names where an empty serial came from: set, but to nothing, it reads as not set at all.
    """
    given = f"was given (from {option_from})" if option_from else "was given"
    empty = f", which is empty (from {serial_from})" if serial_from else ""
    listed = ways[0] if len(ways) == 1 else f"{', '.join(ways[:-1])} or {ways[-1]}"
    return f"{option}: {given} without mfa_serial_number{empty}: set the MFA device's ARN ({_DEVICE}) as {listed}"


def mfa_pair(serial: str | None, token: str | None, command: Any = None) -> None:
    """A code means nothing to STS without the device it came from."""
    if serial:
        return
    for option, value in (("mfa_token", token), ("mfa_token_command", command)):
        if value:
            raise SerialMissing(serial_missing(option), option)


def mfa_token_command(value: Any) -> list[str] | None:
    """The command as an argument list (run without a shell)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _fail("mfa_token_command", "must be a command line as a string")
    import shlex

    try:
        argv = shlex.split(value)
    except ValueError as error:
        raise _fail("mfa_token_command", f"can't be split into arguments: {error}") from None
    return argv
