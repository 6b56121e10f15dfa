"""Helpers for the STS core's tests: a recording lock, credentials as botocore hands them over, and botocore's
Stubber on real STS clients, one per signer, so a test reads which calls each set of keys made."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.stub import Stubber

from ansible_collections.mfa.aws.plugins.module_utils import _aws_config, _botocore_clients
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._sts import fetcher as template
from ansible_collections.mfa.aws.plugins.module_utils._sts.fetcher import Runtime

# The real one, which builds the clients the Stubber is put on; the `sts` fixture replaces it.
REAL_CLIENT_FOR = _botocore_clients.client_for

#: The environment variables botocore and the collection read for keys, profiles, regions and endpoints.
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


def isolate(monkeypatch: Any, tmp_path: Any) -> Any:
    """A fresh worker process of a user with no AWS variables, whose files are tmp_path/aws-config and
    tmp_path/aws-credentials (absent until a test writes them) and whose home is tmp_path/home: the runtime
    directory (the lock, the record of codes sent) is made there (tests/unit/conftest.py has the password
    database follow HOME)."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    home = tmp_path / "home"
    home.mkdir(mode=0o755, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(template, "_ANSWERED", {})
    monkeypatch.setattr(_aws_config, "_PARSED", {})
    monkeypatch.setattr(_botocore_clients, "_SESSIONS", {})
    monkeypatch.setattr(_botocore_clients, "_CLIENTS", {})
    return tmp_path


class Locks:
    """The controller's lock factory: one lock per name, which the workers of many roles (threads) wait on as they
    wait on the controller's flock; and the names taken, in order."""

    def __init__(self) -> None:
        self.taken: list[str] = []
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def __call__(self, name: str) -> Any:
        with self._guard:
            self.taken.append(name)
            return self._locks.setdefault(name, threading.Lock())


def runtime(locks: Locks | None = None, ask: Any = None, read: Any = None) -> Runtime:
    return Runtime(locks or Locks(), read, ask)


def issued(key_id: str, seconds: float = 3600) -> dict[str, Any]:
    """Credentials as botocore hands them over: the expiration a datetime."""
    return {
        "AccessKeyId": key_id,
        "SecretAccessKey": f"{key_id}-secret",
        "SessionToken": f"{key_id}-token",
        "Expiration": datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=seconds),
    }


def as_signer(credentials: dict[str, Any]) -> Credentials:
    return Credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])


class StubbedSts:
    """STS answered by botocore's Stubber: each signer has a real client of its own with its own queue of answers.

    Connection.client hands the fetchers the signer's stubbed client; a call signed by keys the test stubbed
    nothing for fails the test (it never reaches the network). `calls` lists every call made, answered or not:
    (operation, the signer's access key, the parameters as the code passed them).
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._stubbers: dict[str, Stubber] = {}

    @classmethod
    def installed(cls, monkeypatch: Any) -> StubbedSts:
        """Where Connection.client gets its clients from, for the rest of the test."""
        stubbed = cls()
        monkeypatch.setattr(_botocore_clients, "client_for", stubbed.client_for)
        return stubbed

    def _stubber(self, signer: Credentials) -> Stubber:
        stubber = self._stubbers.get(signer.access_key)
        if stubber is None:
            client = REAL_CLIENT_FOR(Connection(region="eu-west-1"), "sts", signer, None)
            key = signer.access_key

            def record(params: dict[str, Any], model: Any, **_event: Any) -> None:
                self.calls.append((model.name, key, dict(params)))

            # provide-client-params comes before the Stubber's own checks, so an unexpected call is recorded too.
            client.meta.events.register("provide-client-params.sts", record)
            stubber = self._stubbers[key] = Stubber(client)
            stubber.activate()
        return stubber

    def answer(self, signer: Credentials, method: str, response: dict[str, Any]) -> None:
        self._stubber(signer).add_response(method, response)

    def refuse(self, signer: Credentials, method: str, code: str, message: str, status: int = 403) -> None:
        self._stubber(signer).add_client_error(
            method, service_error_code=code, service_message=message, http_status_code=status
        )

    def client_for(self, connection: Connection, service: str, credentials: Credentials, region: Any) -> Any:
        stubber = self._stubbers.get(credentials.access_key)
        if stubber is None or service != "sts":
            raise AssertionError(f"a {service} client for {credentials.access_key}, for which the test stubbed nothing")
        return stubber.client

    def operations(self) -> list[tuple[str, str]]:
        return [(operation, signer) for operation, signer, _params in self.calls]

    def answered_all(self) -> None:
        """Every answer stubbed was asked for."""
        for stubber in self._stubbers.values():
            stubber.assert_no_pending_responses()

    def deactivate(self) -> None:
        for stubber in self._stubbers.values():
            stubber.deactivate()


def session_answer(key_id: str, seconds: float = 43200) -> dict[str, Any]:
    """GetSessionToken's answer."""
    return {"Credentials": issued(key_id, seconds)}


def role_answer(key_id: str, role_arn: str, seconds: float = 3600, session_name: str = "mfa-aws") -> dict[str, Any]:
    """AssumeRole's answer, with what botocore's parser adds that the collection does not keep."""
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    return {
        "Credentials": issued(key_id, seconds),
        "AssumedRoleUser": {
            "Arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session_name}",
            "AssumedRoleId": f"AROAEXAMPLE:{session_name}",
        },
        "PackedPolicySize": 6,
    }


def identity_answer(arn: str) -> dict[str, Any]:
    """GetCallerIdentity's answer."""
    return {"UserId": "AIDAEXAMPLE", "Account": arn.split(":")[4], "Arn": arn}
