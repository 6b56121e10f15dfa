"""TOTP checks as AWS makes them: RFC 6238 (SHA-1, 30 s, 6 digits), one step either side, each code once.

RFC 6238 section 5.2: once a code is accepted, neither it nor an older one may be accepted again;
AWS answers a reused code with the same AccessDenied as a wrong one.
"""

import hmac
import threading

import pyotp

from tests.emulator.clock import Clock

STEP = 30
WINDOW = 1


def totp(seed: str, at: float) -> str:
    return pyotp.TOTP(seed, interval=STEP).at(int(at))


class MfaVerifier:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last_step: dict[str, int] = {}
        self._lock = threading.Lock()

    def accept(self, serial: str, seed: str, code: str) -> bool:
        """Whether code is the device's current TOTP (±1 step) and newer than any code it accepted before."""
        now_step = int(self._clock.now()) // STEP
        with self._lock:
            last = self._last_step.get(serial, -1)
            for step in range(now_step - WINDOW, now_step + WINDOW + 1):
                if step <= last:
                    continue
                if hmac.compare_digest(totp(seed, step * STEP), code):
                    self._last_step[serial] = step
                    return True
        return False
