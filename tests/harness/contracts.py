"""What the harness needs from the AWS emulator (``tests.emulator``), as structural types.

The harness codes against these protocols instead of importing ``tests.emulator`` so that it
loads, and its own tests run, without starting an emulator, and so that stand-ins can be used.
"""

from collections.abc import Mapping
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
