# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS's failures worded as advice, in one line, keeping AWS's error code and request ID.

For the collection's own use, where a call to AWS is made.
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError

# The request was sent and no answer came: AWS may have accepted, and so spent, the code it carried.
_UNANSWERED = frozenset({"ReadTimeoutError", "ConnectionClosedError"})
# No connection was made: nothing was sent.
_UNSENT = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ProxyConnectionError"})
# An answer came and could not be read: cut short or damaged on the way. AWS handled the request, so a code
# it carried is spent; and the exception's text quotes the answer, new secret key and all.
_UNREADABLE = frozenset({"ResponseParserError", "ResponseStreamingError", "IncompleteReadError"})
# AWS's refusals that come before it looks at the request's parameters, and so at a code it carries: it could
# not say who asks (authentication), or would not take the request at all (throttling). AWS's documentation
# does not say in which order it checks the rest (a ValidationError may come before or after the MFA check),
# so every other refusal counts as having judged the code, which is then never sent again.
_BEFORE_THE_CODE = frozenset(
    {
        "IncompleteSignature",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "MissingAuthenticationToken",
        "RequestExpired",
        "RequestTimeTooSkewed",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
    }
)
# Failures whose text is not botocore's own words: an HTTP library's, which may quote a status line, a
# header or the body it choked on. Their text is never shown, and they may come after the request left.
_FOREIGN_TEXT = frozenset({"HTTPClientError", "HTTPException", "HTTPError"})


def call_failures() -> tuple[type[BaseException], ...]:
    """Every exception a botocore call may raise for a reason outside the collection, for `except`.

    botocore's own (BotoCoreError, ClientError); its parsers', which are neither (ResponseParserError, and
    the ValueError of a timestamp or number that does not parse); and http.client's and urllib3's, should
    one get past botocore. Evaluated only when a call fails, so botocore is imported only where it is used.
    """
    exceptions = importlib.import_module("botocore.exceptions")
    parsers = importlib.import_module("botocore.parsers")
    client = importlib.import_module("http.client")
    urllib3 = importlib.import_module("urllib3.exceptions")
    return (
        exceptions.BotoCoreError,
        exceptions.ClientError,
        parsers.ResponseParserError,
        client.HTTPException,
        urllib3.HTTPError,
        ValueError,
    )


def _kind(error: BaseException) -> str:
    """How a failure is classed: its own name, or the family whose text is not botocore's."""
    name = type(error).__name__
    if name in _UNREADABLE or name in _UNSENT or name in _UNANSWERED or name in _FOREIGN_TEXT:
        return name
    for base in type(error).__mro__:
        if (base.__module__, base.__name__) in (("http.client", "HTTPException"), ("urllib3.exceptions", "HTTPError")):
            return base.__name__
    if isinstance(error, ValueError):
        # Raised by botocore's parsers on an answer whose values do not parse: an unreadable answer.
        return "ResponseParserError"
    return name


def _withhold(error: BaseException) -> None:
    """Blank the text of every exception in the chain that is not botocore's own words about its own inputs.

    The original stays the neutral error's __cause__, and Ansible shows its traceback at -vvv: there, its
    message must not quote the answer that held the new secret key, nor what an HTTP library choked on.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if not _botocore_words(current):
            current.args = (f"{type(current).__name__} (its text is withheld: it may quote AWS's answer)",)
            # What else may hold the text: botocore's kwargs, http.client's line and partial body, a decoder's input.
            for attribute, empty in (("kwargs", {}), ("line", ""), ("partial", b""), ("object", b"")):
                if hasattr(current, attribute):
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(current, attribute, empty)
        current = current.__cause__ or current.__context__


def _botocore_words(error: BaseException) -> bool:
    """Whether the text is botocore's own message about its own inputs (a config or connection failure)."""
    module = type(error).__module__ or ""
    return module.startswith("botocore") and _kind(error) not in _UNREADABLE and _kind(error) not in _FOREIGN_TEXT


def _metadata(response: Any) -> dict[str, Any]:
    metadata = response.get("ResponseMetadata") if isinstance(response, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _status(metadata: dict[str, Any]) -> int:
    status = metadata.get("HTTPStatusCode")
    return status if isinstance(status, int) else 0


def aws_call_error(error: BaseException, operation: str, target: str | None = None) -> AwsCallError:
    """A botocore failure as AwsCallError; the original stays its __cause__, for the traceback at -vvv."""
    response: Any = getattr(error, "response", None)
    details = response.get("Error") or {} if isinstance(response, dict) else {}
    metadata = _metadata(response)
    code = str(details["Code"]) if details.get("Code") else None
    status = _status(metadata)
    kind = _kind(error)
    # A server error may come after AWS checked the code as well as before: it counts as possibly spent. So
    # does an answer that came but could not be read, and a failure inside the HTTP exchange itself.
    refused_after_reading = code is not None and code not in _BEFORE_THE_CODE and code not in _THROTTLE_CODES
    may_be_spent = refused_after_reading or status >= 500 or kind in _UNANSWERED or kind in _UNREADABLE
    may_be_spent = may_be_spent or kind in _FOREIGN_TEXT
    retryable = code in _THROTTLE_CODES or kind in _UNSENT
    refused = code == "AccessDenied" and _CODE_REFUSED in str(details.get("Message") or "")
    message = describe_exception(error, operation, target)
    if kind in _UNREADABLE or kind in _FOREIGN_TEXT:
        _withhold(error)
    return AwsCallError(message, code, metadata.get("RequestId"), may_be_spent, retryable and not may_be_spent, refused)


# AWS words that tell which MFA failure happened; the error code alone (AccessDenied) does not.
_CODE_REFUSED = "invalid MFA one time pass code"
_SERIAL_UNKNOWN = "unable to validate MFA code"
_SESSION_CREDENTIALS = "Cannot call GetSessionToken with session credentials"
_PERMISSIONS = {"ListBuckets": "s3:ListAllMyBuckets"}
_EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_THROTTLE_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)


# How AWS refuses a signature scoped to a region it does not have: "... a valid region, not 'eu-west1'."
_REGION_REFUSED = "scoped to a valid region"


def _region_refused(operation: str, message: str) -> str:
    import re

    from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import region_source

    named = re.search(r"not '([^']*)'", message)
    region = named.group(1) if named else None
    source = region_source(region) if region else None
    given = f"region {region!r}" + (f" (from {source})" if source else "") if region else "a region"
    return (
        f"{operation} was signed for {given}, which AWS does not have: set region, AWS_DEFAULT_REGION or the "
        "profile's region to one of AWS's region names, such as eu-west-1."
    )


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def describe_client_error(code: str, message: str, operation: str, target: str | None = None, status: int = 0) -> str:
    """Word an AWS error response (code + message) as advice; operation is e.g. 'AssumeRole'."""
    message = _one_line(message)
    said = f"AWS said: {code}: {message}" if message else f"AWS said: {code}"
    if _CODE_REFUSED in message:
        return (
            f"{operation} refused the MFA code: it is wrong, expired, or was already used (AWS accepts each code "
            f"once). {said}"
        )
    if _SERIAL_UNKNOWN in message:
        return (
            f"{operation} could not validate the MFA code against mfa_serial_number: check that it is the ARN "
            f"(or hardware serial) of an MFA device assigned to the IAM user whose keys sign the call. {said}"
        )
    if _SESSION_CREDENTIALS in message:
        return (
            "GetSessionToken must be called with an IAM user's long-term access keys, not with temporary "
            f"credentials (drop session_token, or use a profile with the user's keys). {said}"
        )
    if code in _EXPIRED_CODES:
        return (
            f"{operation} was called with temporary credentials that have expired: get new ones with a fresh MFA "
            f"code (and check the controller's clock). {said}"
        )
    if code in _THROTTLE_CODES:
        return f"{operation} was throttled by AWS even after retrying: raise 'retries' or run again later. {said}"
    if code == "InvalidToken":
        # S3's answer to a session token that was not issued with the access key that signed (or no token at all).
        return (
            f"{operation} was refused because the session token does not go with the access key that signed the "
            "call: give access_key, secret_key and session_token from one set of temporary credentials (all three "
            "from the same registered result or lookup), and no session_token with an IAM user's own keys. "
            f"{said}"
        )
    if code in ("InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException"):
        return (
            f"AWS does not recognise the access key that signed {operation}: check access_key / profile, "
            f"and that endpoint_url and region point at the right partition. {said}"
        )
    if code == "RequestTimeTooSkewed" or (code == "SignatureDoesNotMatch" and "Signature expired" in message):
        return (
            f"{operation} was refused because the controller's clock is more than 15 minutes off AWS's: set the "
            f"clock right (e.g. with NTP) and run again. {said}"
        )
    if code == "SignatureDoesNotMatch" and _REGION_REFUSED in message:
        return f"{_region_refused(operation, message)} {said}"
    if code == "SignatureDoesNotMatch":
        return f"The secret key does not match the access key that signed {operation}: check secret_key. {said}"
    if code in ("AccessDenied", "AccessDeniedException") and operation == "AssumeRole":
        return (
            f"AssumeRole on {target or 'the role'} was refused: the role's trust policy must allow this caller and "
            "may require MFA (give mfa_serial_number and mfa_token, or use credentials from an MFA session), and "
            f"the caller's IAM policy must allow sts:AssumeRole on the role. {said}"
        )
    if code in ("AccessDenied", "AccessDeniedException"):
        needed = _PERMISSIONS.get(operation, f"the permission for {operation}")
        return (
            f"{operation} was denied: the identity that made the call needs {needed}, and policies that require "
            f"MFA allow it only with MFA credentials (from sts_mfa_session or sts_mfa_assume_role). {said}"
        )
    if code in ("ValidationError", "InvalidParameterValue", "InvalidArgument", "MalformedPolicyDocument"):
        return f"{operation} refused a parameter. {said}"
    if status >= 500:
        return (
            f"{operation} failed on AWS's side after the request was sent. If it carried an MFA code, AWS may have "
            f"accepted it, so that code is not sent again: run again with the next code. {said}"
        )
    return f"{operation} failed. {said}"


def describe_exception(error: BaseException, operation: str, target: str | None = None) -> str:
    """Word any failure of a botocore call as one line, without a traceback."""
    response: Any = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        details = response.get("Error") or {}
        return describe_client_error(
            str(details.get("Code") or "Unknown"),
            str(details.get("Message") or ""),
            operation,
            target,
            _status(_metadata(response)),
        )
    name = _kind(error)
    if name in _UNREADABLE:
        # The exception's text quotes the answer, which may hold the new credentials: it is never shown.
        return (
            f"{operation} got an answer from AWS that could not be read (cut short or damaged on the way). If it "
            "carried an MFA code, AWS may have accepted it, so that code is not sent again: run again with the next "
            "code."
        )
    if name in _FOREIGN_TEXT:
        return (
            f"{operation} failed in the HTTP exchange with AWS ({type(error).__name__}), after the request may have "
            "left. If it carried an MFA code, AWS may have accepted it, so that code is not sent again: run again "
            "with the next code; check endpoint_url and any proxy if it happens again."
        )
    text = _one_line(str(error))
    if name in _UNSENT:
        return f"{operation} could not reach AWS: {text}. Check endpoint_url, region and the network."
    if name in _UNANSWERED:
        what = "timed out waiting for AWS" if name == "ReadTimeoutError" else "lost its connection to AWS"
        return (
            f"{operation} {what} after sending the request: {text}. If it carried an MFA code, AWS may have "
            "accepted it, so that code is not sent again: run again with the next code."
        )
    if name == "SSLError":
        return f"{operation} failed TLS verification: {text}. Fix the CA bundle, or set validate_certs: false."
    if name == "NoCredentialsError":
        return (
            f"{operation} found no AWS credentials: set access_key and secret_key, a profile, or the "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE environment variables."
        )
    if name in ("NoRegionError",):
        return f"{operation} needs a region: set region, AWS_DEFAULT_REGION or the profile's region."
    if name in ("ProfileNotFound", "PartialCredentialsError", "InvalidConfigError"):
        return f"{operation} could not load the AWS configuration: {text}."
    if not _botocore_words(error):
        return f"{operation} failed: {name}"
    return f"{operation} failed: {name}: {text}"
