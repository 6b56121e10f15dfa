# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS's failures worded as advice, in one line, keeping AWS's error code and request ID.

For the collection's own use, where a call to AWS is made.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError

# The request was sent and no answer came: AWS may have accepted, and so spent, the code it carried.
_UNANSWERED = frozenset({"ReadTimeoutError", "ConnectionClosedError"})
# No connection was made: nothing was sent.
_UNSENT = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ProxyConnectionError"})


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
    # A server error may come after AWS checked the code as well as before: it counts as possibly spent.
    may_be_spent = code == "AccessDenied" or status >= 500 or type(error).__name__ in _UNANSWERED
    retryable = code in _THROTTLE_CODES or type(error).__name__ in _UNSENT
    refused = code == "AccessDenied" and _CODE_REFUSED in str(details.get("Message") or "")
    message = describe_exception(error, operation, target)
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
    name = type(error).__name__
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
    return f"{operation} failed: {name}: {text}"
