"""The matrix in tests/matrix/releases.py is the one statement of support: everything that repeats it agrees."""

import re

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from tests.harness.paths import REPO_ROOT
from tests.installer import expanded
from tests.matrix.releases import DEFAULT, RELEASES, release, requires_ansible, support_table

TABLE_START = "<!-- supported-releases: generated from tests/matrix/releases.py -->"
TABLE_END = "<!-- /supported-releases -->"


def test_the_readme_table_is_the_matrix():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert TABLE_START in readme and TABLE_END in readme, "README.md lost the supported-releases markers"
    shown = readme.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert shown == support_table(), f"README.md's table is stale; put this between the markers:\n{support_table()}"


def test_requires_ansible_is_what_the_matrix_tests():
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    assert runtime["requires_ansible"] == requires_ansible()


def test_the_default_release_is_the_one_make_test_installs():
    lines = expanded(REPO_ROOT / "requirements-demo.txt").splitlines()
    (core,) = [Requirement(line) for line in lines if Requirement(line).name == "ansible-core"]
    default = release(DEFAULT)
    assert core.specifier.contains(Version(default.pin))
    assert not any(core.specifier.contains(Version(other.pin)) for other in RELEASES if other is not default)


def test_each_pin_is_a_patch_of_its_release():
    for each in RELEASES:
        assert re.fullmatch(rf"{re.escape(each.core)}\.[0-9]+", each.pin), each
