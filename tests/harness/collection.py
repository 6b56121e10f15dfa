"""The ``ansible_collections/<namespace>/<name>`` tree through which Ansible finds the checkout.

Ansible only loads a collection from a directory laid out as
``<path>/ansible_collections/<namespace>/<name>``, and a checkout is not laid out that way.
Rather than copying (which would go stale mid-session) the tree holds a symlink to the checkout.
The same tree on sys.path makes ``ansible_collections.mfa.aws...`` importable in-process.
"""

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.harness.paths import REPO_ROOT


@dataclass(frozen=True)
class CollectionTree:
    #: The directory to put in ANSIBLE_COLLECTIONS_PATH and on sys.path.
    root: Path
    namespace: str
    name: str
    version: str

    @property
    def fqcn(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def collection_dir(self) -> Path:
        """``<root>/ansible_collections/<namespace>/<name>``, the symlink to the checkout."""
        return self.root / "ansible_collections" / self.namespace / self.name


def read_galaxy_yml(repo_root: Path = REPO_ROOT) -> dict[str, str]:
    with (repo_root / "galaxy.yml").open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {key: str(data[key]) for key in ("namespace", "name", "version")}


def make_collection_tree(parent: Path, repo_root: Path = REPO_ROOT) -> CollectionTree:
    """Lay out ``parent/ansible_collections/<ns>/<name>`` -> repo_root and describe it."""
    meta = read_galaxy_yml(repo_root)
    tree = CollectionTree(root=parent, **meta)
    tree.collection_dir.parent.mkdir(parents=True, exist_ok=True)
    tree.collection_dir.symlink_to(repo_root, target_is_directory=True)
    return tree


def remove_collection_tree(tree: CollectionTree) -> None:
    # Unlink the symlink first and on its own, so that no rmtree can ever walk into the checkout.
    if tree.collection_dir.is_symlink():
        tree.collection_dir.unlink()
    shutil.rmtree(tree.root, ignore_errors=True)


def make_process_collection_tree() -> CollectionTree:
    """A tree in a fresh temporary directory, removed when this process exits.

    One per process, so each pytest-xdist worker has its own and none waits on another.
    """
    tree = make_collection_tree(Path(tempfile.mkdtemp(prefix="mfa-aws-collections-")))
    atexit.register(remove_collection_tree, tree)
    return tree
