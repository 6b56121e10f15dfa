"""The WSGI application: MFA-aware STS and paged ListBuckets in front of moto's server, plus test controls.

Requests for GetSessionToken, AssumeRole, GetCallerIdentity and ListBuckets are authenticated as AWS
does (SigV4 signature, session token, expiry) and answered here; every other request goes to moto,
told which account is calling.
"""

import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from tests.emulator import sigv4
from tests.emulator.calls import CallLog, StsCall
from tests.emulator.clock import Clock
from tests.emulator.faults import Faults
from tests.emulator.mfa import MfaVerifier
from tests.emulator.principals import Principal, Principals
from tests.emulator.responses import Answer, AwsError, s3_error, sts_error
from tests.emulator.s3 import BucketIndex, list_buckets
from tests.emulator.sts import HANDLED, Sts

CONTROL_PREFIX = "/_emulator/"
StartResponse = Callable[..., Any]

_INVALID_TOKEN = {
    "sts": AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid."),
    "s3": AwsError(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
}
#: A session token that is not the one issued with the access key (or any token with long-term keys).
_BAD_TOKEN = {
    "sts": _INVALID_TOKEN["sts"],
    "s3": AwsError(400, "InvalidToken", "The provided token is malformed or otherwise invalid."),
}
_BAD_SIGNATURE = {
    "sts": "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    "s3": "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method.",
}
_EXPIRED = {
    "sts": AwsError(403, "ExpiredToken", "The security token included in the request is expired"),
    "s3": AwsError(400, "ExpiredToken", "The provided token has expired."),
}


class EmulatorApp:
    def __init__(self, controls: Callable[[str, str, dict[str, Any]], Any]) -> None:
        self.clock = Clock()
        self.faults = Faults()
        self.principals = Principals()
        self.log = CallLog()
        self.sts = Sts(self.clock, self.principals, MfaVerifier(self.clock))
        self.buckets = BucketIndex()
        self._moto = DomainDispatcherApplication(create_backend_app)
        self._controls = controls
        self._sts_lock = threading.Lock()

    # -- WSGI --------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, start_response, path[len(CONTROL_PREFIX) :])
        body = _read_body(environ)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        signed = sigv4.parse_authorization(headers)
        if signed is None:
            return self._moto(environ, start_response)
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if signed.service == "sts":
            params = {**query, **dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))}
            action = params.get("Action", "")
            if action in HANDLED:
                return self._send(start_response, self._sts(environ, headers, body, signed, action, params))
        elif signed.service == "s3" and environ.get("REQUEST_METHOD") == "GET" and path in ("", "/"):
            return self._send(start_response, self._list_buckets(environ, headers, body, signed, query))
        principal = self.principals.find(signed.access_key_id)
        if principal is not None:
            # moto reads the account from this header; it does not know the keys issued here.
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = principal.account_id
        return self._moto(environ, start_response)

    # -- AWS calls answered here -------------------------------------------------------------------

    def _authenticate(
        self, service: str, environ: dict[str, Any], headers: dict[str, str], body: bytes, signed: sigv4.SignedRequest
    ) -> Principal:
        if abs(signed.signed_at - (time.time() + self.faults.skew)) > sigv4.MAX_SKEW:
            if service == "s3":
                raise AwsError(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
            raise AwsError(403, "SignatureDoesNotMatch", f"Signature expired: {signed.amz_date} is now earlier or later than the 15 minute window.")
        principal = self.principals.find(signed.access_key_id)
        if principal is None:
            raise _INVALID_TOKEN[service]
        token = headers.get("x-amz-security-token")
        if principal.temporary and token is None:
            raise _INVALID_TOKEN[service]
        if token is not None and token != principal.session_token:
            raise _BAD_TOKEN[service]
        if not sigv4.signature_matches(
            signed,
            method=environ.get("REQUEST_METHOD", "GET"),
            url=_request_url(environ),
            headers=headers,
            body=body,
            secret_key=principal.secret_access_key,
            session_token=principal.session_token,
        ):
            raise AwsError(403, "SignatureDoesNotMatch", _BAD_SIGNATURE[service])
        if principal.expired(self.clock.now()):
            raise _EXPIRED[service]
        return principal

    def _sts(
        self,
        environ: dict[str, Any],
        headers: dict[str, str],
        body: bytes,
        signed: sigv4.SignedRequest,
        action: str,
        params: dict[str, str],
    ) -> Answer:
        coded = bool(params.get("TokenCode"))
        self._delay()
        known = self.principals.find(signed.access_key_id)
        account = known.account_id if known else ""
        outcome = "ok"
        try:
            fault = self.faults.take("sts")
            if fault is not None:
                raise AwsError(fault.status, fault.code, fault.message)
            principal = self._authenticate("sts", environ, headers, body, signed)
            # One at a time, so that a code is checked and marked used atomically.
            with self._sts_lock:
                return self.sts.handle(action, principal, params)
        except AwsError as error:
            outcome = error.code
            return sts_error(error)
        finally:
            self.log.record(
                StsCall(
                    action=action,
                    coded=coded,
                    account_id=account,
                    access_key_id=signed.access_key_id,
                    role_arn=params.get("RoleArn"),
                    outcome=outcome,
                    at=self.clock.now(),
                )
            )

    def _list_buckets(
        self, environ: dict[str, Any], headers: dict[str, str], body: bytes, signed: sigv4.SignedRequest, query: dict[str, str]
    ) -> Answer:
        self._delay()
        try:
            fault = self.faults.take("s3")
            if fault is not None:
                raise AwsError(fault.status, fault.code, fault.message)
            principal = self._authenticate("s3", environ, headers, body, signed)
            return list_buckets(principal, query, self.buckets, self.clock.now())
        except AwsError as error:
            return s3_error(error)

    def _delay(self) -> None:
        if self.faults.latency:
            time.sleep(self.faults.latency)

    # -- plumbing ----------------------------------------------------------------------------------

    @staticmethod
    def _send(start_response: StartResponse, answer: Answer) -> Iterable[bytes]:
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error", 503: "Service Unavailable"}
        headers = [*answer.headers, ("Content-Length", str(len(answer.body)))]
        start_response(f"{answer.status} {reason.get(answer.status, 'Error')}", headers)
        return [answer.body]

    def _control(self, environ: dict[str, Any], start_response: StartResponse, name: str) -> Iterable[bytes]:
        raw = _read_body(environ)
        try:
            arguments = json.loads(raw) if raw.strip() else {}
            arguments.update(dict(parse_qsl(environ.get("QUERY_STRING", ""))))
            result = self._controls(environ.get("REQUEST_METHOD", "GET"), name, arguments)
            return self._send(start_response, Answer(200, json.dumps(result).encode(), [("Content-Type", "application/json")]))
        except (KeyError, ValueError, TypeError) as error:
            payload = json.dumps({"error": f"{type(error).__name__}: {error}"}).encode()
            return self._send(start_response, Answer(400, payload, [("Content-Type", "application/json")]))


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    # moto reads the body again when the request is passed on.
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _request_url(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        raw = environ.get("PATH_INFO", "/")
        if environ.get("QUERY_STRING"):
            raw += "?" + environ["QUERY_STRING"]
    host = environ.get("HTTP_HOST", "localhost")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{raw}"
