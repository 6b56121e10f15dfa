"""Fixtures of the lifetime tests: a private emulator, the clock it shares with every process of a run, and
the runner that starts them on it. A test moves the clock hours ahead; no other test sees that emulator."""

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.harness import AnsibleRunner, CollectionTree
from tests.harness.clock import SharedClock, private_emulator, shared_clock

if TYPE_CHECKING:
    from tests.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator["Emulator"]:
    """This test's own emulator (the `world` fixture builds in it): its clock is moved for good."""
    with private_emulator() as emu:
        yield emu


@pytest.fixture
def clock(emulator: "Emulator", tmp_path: Path) -> Iterator[SharedClock]:
    with shared_clock(emulator, tmp_path / "clock") as moved:
        yield moved


@pytest.fixture
def ansible(tmp_path: Path, collection: CollectionTree, emulator: "Emulator", clock: SharedClock) -> AnsibleRunner:
    """Runs ansible-playbook, and the tools a test starts with its environment, on the shared clock."""
    return AnsibleRunner(tmp_path / "ansible", collection, emulator=emulator, clock=clock)
