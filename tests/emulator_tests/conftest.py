"""Fixtures for the emulator's own tests. The emulator is shared by every test of an xdist worker, so
faults a test injects are cleared around it, and each test works in worlds of its own."""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    if "emulator" not in request.fixturenames:
        yield
        return
    emulator = request.getfixturevalue("emulator")
    emulator.reset_faults()
    yield
    emulator.reset_faults()
