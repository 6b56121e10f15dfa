"""The emulator's clock: real time plus an offset that tests move forward.

TOTP steps and credential expiry follow this clock. Request signing does not, by default: botocore signs
with the machine's real time, so the 15-minute signature window is checked against real time (plus an
optional skew), and moving the clock forward never makes every request look stale.

A test whose clients run on this clock too (tests/harness/clock.py moves their time with libfaketime)
shares it: the follower it gives is told every new offset, and signatures are then dated by this clock.
"""

import threading
import time
from collections.abc import Callable

#: Told the clock's new offset, in seconds, each time it moves.
Follower = Callable[[float], None]


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        self._follower: Follower | None = None

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def signing_now(self) -> float:
        """The time a request's signing date is checked against: real time, or this clock's while it is shared."""
        with self._lock:
            return time.time() + (self._offset if self._follower is not None else 0.0)

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` forward. Never back: codes already spent and sessions already
        expired would come back to life, which AWS's clock never allows."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward, not by {seconds} seconds")
        with self._lock:
            self._offset += seconds
            # Under the lock, so that two moves reach the follower in the order they were made.
            if self._follower is not None:
                self._follower(self._offset)

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    @property
    def shared(self) -> bool:
        with self._lock:
            return self._follower is not None

    def share(self, follower: Follower) -> None:
        """From now on the clients run on this clock: tell `follower` each offset (this one first), and date
        signatures by it."""
        with self._lock:
            if self._follower is not None:
                raise RuntimeError("the emulator's clock is shared already; unshare it first")
            self._follower = follower
            follower(self._offset)

    def unshare(self) -> None:
        """Back to clients on real time."""
        with self._lock:
            self._follower = None

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
            if self._follower is not None:
                self._follower(self._offset)
