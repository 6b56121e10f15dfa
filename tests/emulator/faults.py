"""Faults a test can inject: latency on every AWS call, throttling and server errors for the next K calls."""

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    status: int
    code: str
    message: str


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latency = 0.0
        self._throttle = 0
        self._server_errors = 0
        self._server_status = 500
        #: Seconds added to real time when checking a request's signing date.
        self.skew = 0.0

    def set_latency(self, seconds: float) -> None:
        self.latency = max(0.0, float(seconds))

    def inject_throttling(self, count: int) -> None:
        with self._lock:
            self._throttle = max(0, int(count))

    def inject_server_errors(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._server_errors = max(0, int(count))
            self._server_status = int(status)

    def reset(self) -> None:
        with self._lock:
            self.latency = 0.0
            self.skew = 0.0
            self._throttle = 0
            self._server_errors = 0

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
                if service == "s3":
                    # S3's own codes for these (its error responses are not the query APIs' common errors).
                    if self._server_status == 503:
                        return Fault(503, "ServiceUnavailable", "Please reduce your request rate.")
                    message = "We encountered an internal error. Please try again."
                    return Fault(self._server_status, "InternalError", message)
                if self._server_status == 503:
                    return Fault(503, "ServiceUnavailable", "Service is unable to handle request.")
                return Fault(self._server_status, "InternalFailure", "The request processing has failed because of an unknown error.")
        return None
