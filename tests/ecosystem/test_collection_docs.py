"""The collection's docs and changelog pass the tools that publish them.

antsibull-docs is what docs.ansible.com and collection doc sites build plugin pages with; its
linter checks every plugin's documentation and each M(), P() and O() reference in it. The
changelog is antsibull-changelog's: fragments in changelogs/fragments, releases in
changelogs/changelog.yaml, and CHANGELOG.rst generated from them.
"""

import shutil
import subprocess
from pathlib import Path

from tests.harness import AnsibleRunner, CollectionTree
from tests.harness.paths import BIN_DIR, REPO_ROOT

CHANGELOGS = REPO_ROOT / "changelogs"


def antsibull_changelog(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "antsibull-changelog"), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_plugin_docs_pass_antsibull_docs_lint(ansible: AnsibleRunner, collection: CollectionTree) -> None:
    result = ansible.run_cli(
        "antsibull-docs",
        "lint-collection-docs",
        "--plugin-docs",
        "--validate-collection-refs",
        "all",
        "--disallow-unknown-collection-refs",
        "--check-extra-docs-refs",
        str(collection.collection_dir),
    )
    assert result.rc == 0, result.describe("antsibull-docs found problems in the collection's docs")


def test_fragments_pass_changelog_lint() -> None:
    # Without arguments it checks every file in changelogs/fragments, whatever its name.
    result = antsibull_changelog("lint", cwd=REPO_ROOT)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_changelog_yaml_is_valid() -> None:
    result = antsibull_changelog("lint-changelog-yaml", str(CHANGELOGS / "changelog.yaml"), cwd=REPO_ROOT)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_changelog_rst_is_generated_from_changelog_yaml(tmp_path: Path) -> None:
    # CHANGELOG.rst is never edited by hand: generating it again from changelog.yaml changes nothing.
    (tmp_path / "changelogs").mkdir()
    for name in ("galaxy.yml", "CHANGELOG.rst", "changelogs/config.yaml", "changelogs/changelog.yaml"):
        shutil.copyfile(REPO_ROOT / name, tmp_path / name)
    result = antsibull_changelog("generate", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "CHANGELOG.rst").read_text() == (REPO_ROOT / "CHANGELOG.rst").read_text(), (
        "CHANGELOG.rst differs from what changelogs/changelog.yaml gives: run `antsibull-changelog generate`"
    )
