"""The WSGI application: MFA-aware STS and paged ListBuckets in front of moto's server, plus test controls.

Requests for GetSessionToken, AssumeRole, GetCallerIdentity and ListBuckets are authenticated as AWS
does (a signature scoped to the service and a real region, the SigV4 signature itself, session token,
expiry; unsigned ones refused) and answered here; every other request goes to moto, told which account
is calling.
"""

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from tests.emulator import policy, sigv4
from tests.emulator.calls import CallLog, ListingCall, StsCall
from tests.emulator.clock import Clock
from tests.emulator.faults import Faults, Loss, server_error
from tests.emulator.mfa import MfaVerifier
from tests.emulator.principals import Principal, Principals
from tests.emulator.responses import Answer, AwsError, element, request_id, s3_error, sts_error
from tests.emulator.regions import regions
from tests.emulator.s3 import PARAMETERS as LIST_PARAMETERS
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
#: What AWS answers a request with no signature: the query APIs' MissingAuthenticationToken, S3's AccessDenied
#: (S3 serves anonymous requests only where a bucket's policy or ACL allows them, and ListBuckets has neither).
_UNSIGNED = {
    "sts": AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
    "s3": AwsError(403, "AccessDenied", "Access Denied"),
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
        self.log: CallLog[StsCall] = CallLog()
        self.listings: CallLog[ListingCall] = CallLog()
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
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        # Which API the request calls is read from the request, not from its signature, so that a request
        # signed for the wrong service reaches the check that refuses it.
        params = query
        if "x-www-form-urlencoded" in headers.get("content-type", ""):
            params = {**query, **dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))}
        action = params.get("Action", "")
        presigned = "X-Amz-Credential" in query
        if action in HANDLED and not presigned:
            return self._sts(environ, start_response, headers, body, signed, action, params)
        if environ.get("REQUEST_METHOD") == "GET" and path in ("", "/") and not action and not presigned:
            return self._list_buckets(environ, start_response, headers, body, signed, query)
        principal = self.principals.find(signed.access_key_id) if signed else None
        if signed is not None and principal is not None:
            # moto knows nothing of the credentials issued here, so their expiry is checked before it answers.
            if principal.expired(self.clock.now()):
                return self._send(start_response, _expired_elsewhere(signed.service, headers))
            # moto reads the account from this header; it does not know the keys issued here.
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = principal.account_id
        return self._moto(environ, start_response)

    # -- AWS calls answered here -------------------------------------------------------------------

    def _authenticate(
        self,
        service: str,
        environ: dict[str, Any],
        headers: dict[str, str],
        body: bytes,
        signed: sigv4.SignedRequest | None,
    ) -> Principal:
        if signed is None:
            raise _UNSIGNED[service]
        _check_scope(service, signed)
        if abs(signed.signed_at - (self.clock.signing_now() + self.faults.skew)) > sigv4.MAX_SKEW:
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
        start_response: StartResponse,
        headers: dict[str, str],
        body: bytes,
        signed: sigv4.SignedRequest | None,
        action: str,
        params: dict[str, str],
    ) -> Iterable[bytes]:
        coded = bool(params.get("TokenCode"))
        self._delay()
        key = signed.access_key_id if signed else ""
        known = self.principals.find(key) if key else None
        outcome, loss = "ok", None
        try:
            fault = self.faults.take("sts")
            if fault is not None:
                raise AwsError(fault.status, fault.code, fault.message)
            principal = self._authenticate("sts", environ, headers, body, signed)
        except AwsError as error:
            outcome, answer = error.code, sts_error(error)
        else:
            try:
                # One at a time, so that a code is checked and marked used atomically.
                with self._sts_lock:
                    answer = self.sts.handle(action, principal, params)
            except policy.NotEvaluated as error:
                outcome, answer = _NOT_EVALUATED, sts_error(_not_evaluated(error))
            except AwsError as error:
                outcome, answer = error.code, sts_error(error)
            loss = self.faults.take_loss(coded=coded)
        self.log.record(
            StsCall(
                action=action,
                coded=coded,
                account_id=known.account_id if known else "",
                access_key_id=key,
                role_arn=params.get("RoleArn"),
                outcome=outcome,
                at=self.clock.now(),
                lost=loss.how if loss else None,
                duration=_asked_duration(params),
                host=headers.get("host", ""),
            )
        )
        return self._respond(environ, start_response, answer, loss, "sts")

    def _list_buckets(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        headers: dict[str, str],
        body: bytes,
        signed: sigv4.SignedRequest | None,
        query: dict[str, str],
    ) -> Iterable[bytes]:
        self._delay()
        key = signed.access_key_id if signed else ""
        known = self.principals.find(key) if key else None
        outcome, loss = "ok", None
        try:
            fault = self.faults.take("s3")
            if fault is not None:
                raise AwsError(fault.status, fault.code, fault.message)
            principal = self._authenticate("s3", environ, headers, body, signed)
            assert signed is not None
            answer = list_buckets(principal, query, self.buckets, self.clock.now(), signed.region)
        except policy.NotEvaluated as error:
            outcome, answer = _NOT_EVALUATED, s3_error(_not_evaluated(error))
        except AwsError as error:
            outcome, answer = error.code, s3_error(error)
        else:
            loss = self.faults.take_loss(coded=False)
        self.listings.record(
            ListingCall(
                account_id=known.account_id if known else "",
                access_key_id=key,
                region=signed.region if signed else "",
                query={name: value for name, value in query.items() if name in LIST_PARAMETERS},
                outcome=outcome,
                at=self.clock.now(),
                lost=loss.how if loss else None,
            )
        )
        return self._respond(environ, start_response, answer, loss, "s3")

    def _delay(self) -> None:
        if self.faults.latency:
            time.sleep(self.faults.latency)

    # -- plumbing ----------------------------------------------------------------------------------

    def _respond(
        self, environ: dict[str, Any], start_response: StartResponse, answer: Answer, loss: Loss | None, service: str
    ) -> Iterable[bytes]:
        """Send the answer, or lose it as the fault says: the call it answers was handled either way."""
        if loss is not None and loss.how == "server-error":
            fault = server_error(service, loss.status)
            answer = (sts_error if service == "sts" else s3_error)(AwsError(fault.status, fault.code, fault.message))
        elif loss is not None and loss.how == "dropped":
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        elif loss is not None and loss.how == "delayed":
            time.sleep(loss.seconds)
        elif loss is not None and loss.how in ("cut-short", "cut-off", "damaged"):
            return self._send_damaged(environ, start_response, answer, loss.how)
        return self._send(start_response, answer)

    @staticmethod
    def _send_damaged(
        environ: dict[str, Any], start_response: StartResponse, answer: Answer, how: str
    ) -> Iterable[bytes]:
        """The answer as a broken network or proxy would pass it on: cut after its secret key, or its XML broken."""
        body = answer.body
        mark = body.find(b"</SecretAccessKey>")
        # Without a secret key (a listing, an error), the cut falls in the middle.
        end = mark + len(b"</SecretAccessKey>") if mark >= 0 else len(body) // 2
        if how == "damaged":
            if mark >= 0:
                broken = body[:end].replace(b"</SecretAccessKey>", b"</SecretAccessKe>")
            else:
                broken = body[:end] + b"</"
            return EmulatorApp._send(start_response, Answer(answer.status, broken + body[end:], answer.headers))
        if how == "cut-short":
            return EmulatorApp._send(start_response, Answer(answer.status, body[:end], answer.headers))
        # cut-off: the whole length is announced, a part is sent, then the connection is closed.
        start_response(
            f"{answer.status} {'OK' if answer.status == 200 else 'Error'}",
            [*answer.headers, ("Content-Length", str(len(body)))],
        )
        connection = environ.get("werkzeug.socket")

        def part() -> Iterable[bytes]:
            yield body[:end]
            if connection is not None:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

        return part()

    @staticmethod
    def _send(start_response: StartResponse, answer: Answer) -> Iterable[bytes]:
        reason = {
            200: "OK",
            400: "Bad Request",
            403: "Forbidden",
            500: "Internal Server Error",
            501: "Not Implemented",
            503: "Service Unavailable",
        }
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


_NOT_EVALUATED = "NotImplemented"


def _expired_elsewhere(service: str, headers: dict[str, str]) -> Answer:
    """What a service moto answers says to expired temporary credentials, in that service's error format."""
    if service == "s3":
        return s3_error(_EXPIRED["s3"])
    if service == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"{element('Code', 'RequestExpired')}{element('Message', 'Request has expired.')}"
            f"</Error></Errors>{element('RequestID', request_id())}</Response>"
        )
        return Answer(400, body.encode(), [("Content-Type", "text/xml")])
    if "x-amz-json" in headers.get("content-type", ""):
        payload = {"__type": "ExpiredTokenException", "message": _EXPIRED["sts"].message}
        return Answer(400, json.dumps(payload).encode(), [("Content-Type", headers["content-type"])])
    # The query APIs (IAM and the like) answer as STS does.
    return sts_error(_EXPIRED["sts"])


def _not_evaluated(error: policy.NotEvaluated) -> AwsError:
    """The emulator's own answer to a policy it cannot judge: never a guess that AWS might contradict."""
    return AwsError(501, _NOT_EVALUATED, f"{error} (a limit of the emulator, not an AWS error)")


def _check_scope(service: str, signed: sigv4.SignedRequest) -> None:
    """The credential scope must name the service called and a region AWS has (see regions.py)."""
    if service == "sts":
        if signed.service != "sts":
            raise AwsError(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ")
        if signed.region not in regions("sts"):
            raise AwsError(403, "SignatureDoesNotMatch", f"Credential should be scoped to a valid region, not '{signed.region}'. ")
        return
    if signed.service != "s3":
        raise AwsError(
            400,
            "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; incorrect service '{signed.service}'. This endpoint belongs to 's3'.",
        )
    if signed.region not in regions("s3"):
        raise AwsError(
            400, "AuthorizationHeaderMalformed", f"The authorization header is malformed; the region '{signed.region}' is wrong."
        )


def _asked_duration(params: dict[str, str]) -> int | None:
    raw = params.get("DurationSeconds", "")
    return int(raw) if raw.isdigit() else None


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
