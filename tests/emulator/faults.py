"""Faults a test can inject: latency on every AWS call, throttling and server errors for the next K calls
(answered before the call is looked at), and answers lost after the call was handled (the code is spent):
replaced, dropped, delayed, or damaged on the way (cut short, or with its XML broken)."""

import threading
from dataclasses import dataclass

#: How an answer can be lost once the call was handled.
LOSSES = ("server-error", "dropped", "delayed", "cut-short", "cut-off", "damaged")


@dataclass(frozen=True)
class Fault:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Loss:
    """What happens to the answer of a call that was handled: a 5xx in its place, the connection closed
    without an answer, the answer sent `seconds` late (after the client's read timeout, if shorter), or the
    answer damaged on the way: "cut-short" ends it just after its secret key, with a Content-Length that
    says so (the client reads a whole HTTP answer whose XML stops there); "cut-off" announces the whole
    answer and closes the connection at the same place; "damaged" sends it whole with one closing tag
    broken after the secret key. The last three hold the issued secret key, as a real cut would."""

    how: str
    status: int = 500
    seconds: float = 0.0


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latency = 0.0
        self._throttle = 0
        self._server_errors = 0
        self._server_status = 500
        #: Seconds added to real time when checking a request's signing date.
        self.skew = 0.0
        self._losses = 0
        self._loss = Loss("server-error")
        self._loss_coded_only = True

    def set_latency(self, seconds: float) -> None:
        self.latency = max(0.0, float(seconds))

    def inject_throttling(self, count: int) -> None:
        with self._lock:
            self._throttle = max(0, int(count))

    def inject_server_errors(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._server_errors = max(0, int(count))
            self._server_status = int(status)

    def lose_answers(
        self, count: int, how: str, *, status: int = 500, seconds: float = 0.0, coded_only: bool = True
    ) -> None:
        """The next `count` calls (only STS calls carrying an MFA code, with coded_only) are handled, then
        their answers are lost `how`."""
        if how not in LOSSES:
            raise ValueError(f"how must be one of {', '.join(LOSSES)}, not {how!r}")
        if how == "delayed" and seconds <= 0:
            raise ValueError("a delayed answer needs seconds > 0")
        with self._lock:
            self._losses = max(0, int(count))
            self._loss = Loss(how, int(status), float(seconds))
            self._loss_coded_only = bool(coded_only)

    def take_loss(self, *, coded: bool) -> Loss | None:
        """How this handled call's answer is lost, if it is; each loss is used up by the call that takes it."""
        with self._lock:
            if self._losses > 0 and (coded or not self._loss_coded_only):
                self._losses -= 1
                return self._loss
        return None

    def reset(self) -> None:
        with self._lock:
            self.latency = 0.0
            self.skew = 0.0
            self._throttle = 0
            self._server_errors = 0
            self._losses = 0

    def take(self, service: str) -> Fault | None:
        """The fault this call answers with, if any; each one is used up by the call that takes it."""
        with self._lock:
            if self._throttle > 0:
                self._throttle -= 1
                if service == "s3":
                    return Fault(503, "SlowDown", "Please reduce your request rate.")
                return Fault(400, "Throttling", "Rate exceeded")
            if self._server_errors > 0:
                self._server_errors -= 1
                return server_error(service, self._server_status)
        return None


def server_error(service: str, status: int) -> Fault:
    """A 5xx as `service` words it: S3's own codes, or the query APIs' common errors."""
    if service == "s3":
        if status == 503:
            return Fault(503, "ServiceUnavailable", "Please reduce your request rate.")
        return Fault(status, "InternalError", "We encountered an internal error. Please try again.")
    if status == 503:
        return Fault(503, "ServiceUnavailable", "Service is unable to handle request.")
    return Fault(status, "InternalFailure", "The request processing has failed because of an unknown error.")
