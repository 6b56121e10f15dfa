"""The emulator's clock: real time plus an offset that tests move forward.

TOTP steps and credential expiry follow this clock. Request signing does not: botocore signs with
the machine's real time, so the 15-minute signature window is checked against real time (plus an
optional skew), and moving the clock forward never makes every request look stale.
"""

import threading
import time


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` forward. Never back: codes already spent and sessions already
        expired would come back to life, which AWS's clock never allows."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward, not by {seconds} seconds")
        with self._lock:
            self._offset += seconds

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
