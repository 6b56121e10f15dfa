# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The STS calls themselves: the only place botocore is called for STS (through Connection.client).

For the collection's own use, on a miss only: a cache hit never imports this file.
"""

from __future__ import annotations

import random
import time
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._aws_errors import aws_call_error, call_failures
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError

# botocore's standard retry mode waits at most this long between attempts.
MAX_BACKOFF = 20
_METHODS = {
    "GetSessionToken": "get_session_token",
    "AssumeRole": "assume_role",
    "GetCallerIdentity": "get_caller_identity",
}


class Sending:
    """Whether a call's request has left for AWS: botocore's before-send event says so, request by request."""

    def __init__(self) -> None:
        self.sent = False

    def __call__(self, **_event: Any) -> None:
        self.sent = True


def call(
    connection: Connection,
    credentials: Credentials,
    operation: str,
    target: str | None = None,
    sending: Sending | None = None,
    **arguments: Any,
) -> Any:
    """One STS call; botocore's failures become AwsCallError, anything else is a bug and shows as one."""
    client = connection.client("sts", credentials)
    unique_id = f"mfa-aws-sending-{id(sending)}"
    if sending is not None:
        client.meta.events.register("before-send.sts", sending, unique_id=unique_id)
    try:
        return getattr(client, _METHODS[operation])(**arguments)
    except call_failures() as error:
        raise aws_call_error(error, operation, target) from error
    finally:
        if sending is not None:
            client.meta.events.unregister("before-send.sts", unique_id=unique_id)


def call_with_code(
    connection: Connection,
    credentials: Credentials,
    operation: str,
    target: str | None,
    sending: Sending,
    **arguments: Any,
) -> Any:
    """A call carrying an MFA code, which AWS accepts once: botocore must not resend it after an error that may
    have come after AWS checked the code (a server error, a lost answer). So its client makes one attempt, and
    only failures that come before the check (throttling, no connection) are tried again here, with the same
    backoff as botocore's standard mode."""
    once, attempt = connection._replace(retries=0), 0
    while True:
        try:
            return call(once, credentials, operation, target, sending, **arguments)
        except AwsCallError as error:
            if not error.retryable or attempt >= connection.retries:
                raise
        time.sleep(min(MAX_BACKOFF, random.random() * 2**attempt))  # nosec - jitter, not a secret
        attempt += 1


def caller_arn(connection: Connection, credentials: Credentials) -> str:
    """Who the credentials act as: GetCallerIdentity needs no permission and spends no code."""
    return call(connection, credentials, "GetCallerIdentity")["Arn"]
