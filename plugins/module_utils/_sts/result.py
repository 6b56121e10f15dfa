# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an exchange gives every front end: credentials, when they expire, who they act as.

For the collection's own use.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, NamedTuple

from ansible_collections.mfa.aws.plugins.module_utils._botocore_rules import parse_timestamp
from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError


class ExchangeResult(NamedTuple):
    credentials: Credentials
    expiration: datetime
    identity: dict[str, str | None]
    cached: bool
    warnings: list[str]

    @classmethod
    def from_response(cls, response: dict[str, Any], cached: bool, warnings: list[str]) -> ExchangeResult:
        issued = response["Credentials"]
        if "AssumedRoleUser" in response:
            user = response["AssumedRoleUser"]
            identity = {"account": user["Arn"].split(":")[4], "arn": user["Arn"], "user_id": user["AssumedRoleId"]}
        else:
            caller = response.get("CallerIdentity") or {}
            identity = {"account": caller.get("Account"), "arn": caller.get("Arn"), "user_id": caller.get("UserId")}
        expiration = parse_timestamp(issued["Expiration"])
        if expiration is None:  # cache entries are checked for it before they get here; STS always sends one
            raise MfaAwsError("AWS returned credentials without a readable expiration")
        return cls(
            credentials=Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]),
            expiration=expiration,
            identity=identity,
            cached=cached,
            warnings=list(warnings),
        )

    def as_dict(self) -> dict[str, Any]:
        """The credentials dict every plugin returns, registers and caches."""
        return {
            "access_key": self.credentials.access_key,
            "secret_key": self.credentials.secret_key,
            "session_token": self.credentials.session_token,
            "expiration": self.expiration.astimezone(timezone.utc).isoformat(),
        }

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": self.credentials.secret_key,
            "AWS_SESSION_TOKEN": self.credentials.session_token or "",
        }
