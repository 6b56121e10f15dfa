"""Fixtures shared by every test: the collection on disk, the AWS emulator, and the Ansible runner.

The logic lives in tests/harness/; this file only wires it into pytest.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.harness import AnsibleRunner, CollectionTree, make_process_collection_tree

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

# Made at import time, not in a fixture, because test modules import
# `ansible_collections.mfa.aws...` at collection time, before any fixture runs.
# One per process: each pytest-xdist worker imports this file and gets its own tree.
COLLECTIONS = make_process_collection_tree()
if str(COLLECTIONS.root) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS.root))


TESTS = Path(__file__).resolve().parent
#: Folders of many short in-process tests (776 unit tests took 36 CPU-seconds, the 145 of the emulator 72): run last.
RUN_LAST = (TESTS / "unit", TESTS / "emulator_tests")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Marked from the fixtures they use, so `-m "not playbook"` gives a fast unit-only run.
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "ansible" in fixtures or "module_ansible" in fixtures:
            item.add_marker(pytest.mark.playbook)
        if "emulator" in fixtures:
            item.add_marker(pytest.mark.emulator)
    # The short tests last, where they fill the cores as xdist's workers run out of long ones: in collection
    # order, a cold run spent its last 25 s at a quarter of the CPU. The sort is stable.
    items.sort(key=lambda item: any(item.path.is_relative_to(folder) for folder in RUN_LAST))


@pytest.fixture(scope="session")
def collection() -> CollectionTree:
    """The ansible_collections tree holding mfa.aws; `.root` is what ANSIBLE_COLLECTIONS_PATH holds."""
    return COLLECTIONS


@pytest.fixture(scope="session")
def collections_path(collection: CollectionTree) -> Path:
    return collection.root


@pytest.fixture(scope="session")
def emulator() -> Iterator["Emulator"]:
    """The local AWS emulator, one per session (per xdist worker), on 127.0.0.1."""
    from tests.emulator import Emulator

    emu = Emulator.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    """The emulator is shared by every test of an xdist worker: the faults a test injects (throttling, server
    errors, latency, lost answers) are cleared around it, so that a test that fails mid-way cannot fail the next."""
    if "emulator" not in request.fixturenames:
        yield
        return
    emulator = request.getfixturevalue("emulator")
    emulator.reset_faults()
    yield
    emulator.reset_faults()


@pytest.fixture
def world(emulator: "Emulator") -> "World":
    """A fresh account, IAM user with MFA device, and buckets in the emulator, for this test alone."""
    return emulator.build_world()


@pytest.fixture
def ansible(tmp_path: Path, collection: CollectionTree, request: pytest.FixtureRequest) -> AnsibleRunner:
    """Runs ansible-playbook in a sandbox under tmp_path.

    Bound to the emulator only when the test uses it (through `world` or `emulator`), so tests
    that need no AWS do not start one.
    """
    emu = request.getfixturevalue("emulator") if "emulator" in request.fixturenames else None
    return AnsibleRunner(tmp_path / "ansible", collection, emulator=emu)


@pytest.fixture(scope="module")
def module_ansible(
    tmp_path_factory: pytest.TempPathFactory, collection: CollectionTree, emulator: "Emulator"
) -> AnsibleRunner:
    """One sandbox for a test file whose cases share one playbook run (each case a task of its own), with the emulator.

    Starting ansible-playbook costs about a second of CPU: twenty cases refused before any call need one run, not
    twenty. Under pytest-xdist each worker that gets some of the file's tests makes its own.
    """
    return AnsibleRunner(tmp_path_factory.mktemp("ansible"), collection, emulator=emulator)
