"""Test harness: runs the real ansible-playbook against the checkout, isolated per test.

See tests/conftest.py for the fixtures that hand these out (`ansible`, `emulator`, `world`).
"""

from tests.harness.collection import CollectionTree, make_collection_tree, make_process_collection_tree
from tests.harness.inventory import TARGETS_GROUP, host_names
from tests.harness.paths import PYTHON, REPO_ROOT
from tests.harness.result import PlaybookResult, PlaybookTimeout
from tests.harness.runner import AnsibleRunner
from tests.harness.sandbox import RESULTS_ENV, Sandbox

__all__ = [
    "PYTHON",
    "REPO_ROOT",
    "RESULTS_ENV",
    "TARGETS_GROUP",
    "AnsibleRunner",
    "CollectionTree",
    "PlaybookResult",
    "PlaybookTimeout",
    "Sandbox",
    "host_names",
    "make_collection_tree",
    "make_process_collection_tree",
]
