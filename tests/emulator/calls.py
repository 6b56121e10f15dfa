"""The logs of the calls the emulator answered: STS calls, for tests that count coded calls, and ListBuckets
calls, for tests that check what was asked of S3 and in which region."""

import threading
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, TypeVar


@dataclass(frozen=True)
class StsCall:
    action: str
    #: Whether the request carried an MFA TokenCode.
    coded: bool
    #: The caller's account (an IAM user's or an assumed role's); "" for unknown keys and unsigned requests.
    account_id: str
    access_key_id: str
    role_arn: str | None
    #: "ok", or the error code AWS answered with (AccessDenied, Throttling, ...).
    outcome: str
    #: Emulator-clock epoch seconds.
    at: float
    #: How the answer was lost after the call was handled ("server-error", "dropped", "delayed"), if it was.
    lost: str | None = None
    #: DurationSeconds as the request asked for it; None when it left the length to STS's default.
    duration: int | None = None
    #: The Host the request was sent to: one emulator answers as 127.0.0.1:PORT and as localhost:PORT.
    host: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ListingCall:
    """One ListBuckets request: its query parameters and the region its signature was scoped to."""

    account_id: str
    access_key_id: str
    #: The credential scope's region ("" for an unsigned request).
    region: str
    #: ListBuckets' query parameters as sent (max-buckets, continuation-token, prefix, bucket-region).
    query: dict[str, str] = field(default_factory=dict)
    outcome: str = "ok"
    at: float = 0.0
    lost: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Call = TypeVar("Call", StsCall, ListingCall)


class CallLog(Generic[Call]):
    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def select(
        self, *, action: str | None = None, coded: bool | None = None, account_ids: Collection[str] | None = None
    ) -> list[Call]:
        """The calls matching every filter given; action and coded apply to STS calls only."""
        with self._lock:
            calls = list(self._calls)
        return [
            call
            for call in calls
            if (action is None or getattr(call, "action", None) == action)
            and (coded is None or getattr(call, "coded", None) == coded)
            and (account_ids is None or call.account_id in account_ids)
        ]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
