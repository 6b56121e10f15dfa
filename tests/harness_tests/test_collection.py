"""The checkout is the collection mfa.aws, for ansible-playbook and for in-process imports alike."""

import importlib
from pathlib import Path

from tests.harness import REPO_ROOT, AnsibleRunner, CollectionTree
from tests.harness.collection import read_galaxy_yml


def test_ansible_galaxy_lists_the_collection(ansible: AnsibleRunner, collection: CollectionTree) -> None:
    result = ansible.run_cli("ansible-galaxy", "collection", "list").assert_ok()
    version = read_galaxy_yml()["version"]
    listed = {tuple(line.split()[:2]) for line in result.stdout.splitlines() if line.strip()}
    assert ("mfa.aws", version) in listed, result.output
    assert str(collection.root / "ansible_collections") in result.stdout


def test_tree_points_at_the_checkout(collection: CollectionTree) -> None:
    assert collection.fqcn == "mfa.aws"
    assert collection.collection_dir.is_symlink()
    assert collection.collection_dir.resolve() == REPO_ROOT


def test_collection_imports_in_process() -> None:
    # The tree that conftest.py put on sys.path; unit tests import plugins this way.
    package = importlib.import_module("ansible_collections.mfa.aws.plugins")
    assert REPO_ROOT / "plugins" in {Path(p).resolve() for p in package.__path__}
