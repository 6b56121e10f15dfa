"""Faults injected into the emulator (one per pytest worker) must not outlive the test that injected them."""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def calm_emulator(request: pytest.FixtureRequest) -> Iterator[None]:
    emulator = request.getfixturevalue("emulator") if "emulator" in request.fixturenames else None
    yield
    if emulator is not None:
        emulator.reset_faults()
