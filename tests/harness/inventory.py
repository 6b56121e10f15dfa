"""Inventories of local hosts: many hosts, one machine, so forks and per-host runs can be tested."""

import json
from pathlib import Path

from tests.harness.paths import PYTHON

#: The group that holds host01..hostNN (they are also in `all`; implicit localhost is in neither).
TARGETS_GROUP = "targets"


def host_names(count: int) -> list[str]:
    """``host01``, ``host02`` ... zero-padded to two digits, or more for 100 hosts and up."""
    width = max(2, len(str(count)))
    return [f"host{i:0{width}d}" for i in range(1, count + 1)]


def render_inventory(count: int, python: Path = PYTHON) -> str:
    """A YAML inventory (written as JSON, which the yaml inventory plugin also reads)."""
    hosts: dict[str, dict[str, str]] = {name: {} for name in host_names(count)}
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": str(python)},
            "children": {TARGETS_GROUP: {"hosts": hosts}},
        }
    }
    return json.dumps(inventory, indent=2) + "\n"
