"""What the harness needs from the AWS emulator (``tests.emulator``), as structural types.

The harness codes against these protocols instead of importing ``tests.emulator`` so that it
loads, and its own tests run, without starting an emulator, and so that stand-ins can be used.
"""

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class StsCallLike(Protocol):
    action: str
    coded: bool
    account_id: str


class EmulatorLike(Protocol):
    endpoint_url: str
    region: str

    def calls(self, *, action: str | None = None, coded: bool | None = None, account_ids: Any = None) -> list[Any]: ...

    def listings(self, *, account_ids: Any = None) -> list[Any]: ...


class WorldLike(Protocol):
    def env(self) -> Mapping[str, str]: ...

    def account_ids(self) -> set[str]: ...


class ClockLike(Protocol):
    """The emulator's clock (tests/emulator/clock.py), as the shared clock drives it."""

    @property
    def offset(self) -> float: ...

    def now(self) -> float: ...

    def advance(self, seconds: float) -> None: ...

    def share(self, follower: Callable[[float], None]) -> None: ...

    def unshare(self) -> None: ...


class ClockedEmulatorLike(EmulatorLike, Protocol):
    clock: ClockLike


class FakedTimeLike(Protocol):
    """A clock that the processes of a run are started on (tests/harness/clock.py)."""

    def env(self) -> Mapping[str, str]: ...
