"""The log of STS calls the emulator answered, for tests that count coded calls."""

import threading
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class StsCall:
    action: str
    #: Whether the request carried an MFA TokenCode.
    coded: bool
    #: The caller's account (an IAM user's or an assumed role's).
    account_id: str
    access_key_id: str
    role_arn: str | None
    #: "ok", or the error code AWS answered with (AccessDenied, Throttling, ...).
    outcome: str
    #: Emulator-clock epoch seconds.
    at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class CallLog:
    def __init__(self) -> None:
        self._calls: list[StsCall] = []
        self._lock = threading.Lock()

    def record(self, call: StsCall) -> None:
        with self._lock:
            self._calls.append(call)

    def select(
        self, *, action: str | None = None, coded: bool | None = None, account_ids: Collection[str] | None = None
    ) -> list[StsCall]:
        with self._lock:
            calls = list(self._calls)
        return [
            call
            for call in calls
            if (action is None or call.action == action)
            and (coded is None or call.coded == coded)
            and (account_ids is None or call.account_id in account_ids)
        ]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
