"""ansible-builder finds what an execution environment needs for mfa.aws.

`ansible-builder introspect` is the step of an image build that collects the Python and system
requirements of every collection in a collections path; here it runs on the test's
ansible_collections tree, which holds this checkout as mfa.aws.
"""

from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from tests.harness import AnsibleRunner, CollectionTree
from tests.harness.paths import REPO_ROOT

MIN_BOTOCORE = Version("1.35.42")


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def introspect(ansible: AnsibleRunner, collection: CollectionTree) -> dict[str, list[str]]:
    result = ansible.run_cli("ansible-builder", "introspect", "--sanitize", str(collection.root))
    assert result.rc == 0, result.describe("ansible-builder introspect failed")
    # A comment line, then the YAML document.
    return yaml.safe_load(result.stdout[result.stdout.index("---") :])


def test_meta_file_names_the_python_requirements() -> None:
    meta = yaml.safe_load((REPO_ROOT / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    python = meta["dependencies"]["python"]
    assert (REPO_ROOT / python).is_file(), f"{python} does not exist"
    assert "system" not in meta["dependencies"], "botocore needs no system packages: no bindep file"


def test_introspect_finds_boto3_and_botocore(ansible: AnsibleRunner, collection: CollectionTree) -> None:
    found = introspect(ansible, collection)
    origin = f"# from collection {collection.fqcn}"
    assert all(line.endswith(origin) for line in found["python"]), found
    requirements = {req.name: req for req in (Requirement(line.split("#")[0]) for line in found["python"])}
    assert set(requirements) == {"boto3", "botocore"}, found
    for requirement in requirements.values():
        # The release the collection needs is allowed, and nothing older is.
        assert requirement.specifier.contains(MIN_BOTOCORE), requirement
        assert not requirement.specifier.contains(Version("1.35.41")), requirement
    assert found["system"] == []


def test_ee_requirements_match_the_controller_requirements() -> None:
    # requirements.txt is what `make venv` and users install; the EE must get the same.
    ee = requirement_lines(REPO_ROOT / "meta" / "ee-requirements.txt")
    assert sorted(ee) == sorted(requirement_lines(REPO_ROOT / "requirements.txt"))
