"""The compiled code the lookups keep between workers: used only when compiled from the same source, kept privately.

Each case runs fresh Python processes, as Ansible's workers are, that load the collection through ansible-core's
own collection loader; a process reports which of the collection's files it compiled.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.harness.paths import REPO_ROOT
from tests.harness.sandbox import account_home_env

# Loads the collection through Ansible's loader, with the lookups' finder installed first, then imports MODULE;
# prints the collection's files compiled meanwhile, and a value the module computes.
PROCESS = textwrap.dedent(
    """
    import builtins, json, sys
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader([sys.argv[1]])
    from ansible_collections.mfa.aws.plugins.plugin_utils import _bytecode  # noqa: F401

    compiled = []
    real_compile = builtins.compile

    def counting(source, filename, *args, **kwargs):
        if str(filename).endswith(".py"):
            compiled.append(str(filename).split("/ansible_collections/mfa/aws/", 1)[1])
        return real_compile(source, filename, *args, **kwargs)

    builtins.compile = counting
    from ansible_collections.mfa.aws.plugins.module_utils._sts import requests

    print(json.dumps({"compiled": compiled, "device": requests.device_id("arn:aws:iam::123456789012:mfa/a")}))
    """
)
MODULE = "plugins/module_utils/_sts/requests.py"


@pytest.fixture
def collection(tmp_path):
    """A copy of the collection that a test may change, under its own ansible_collections tree."""
    root = tmp_path / "collections"
    target = root / "ansible_collections" / "mfa" / "aws"
    for part in ("plugins", "meta"):
        shutil.copytree(REPO_ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "galaxy.yml", target / "galaxy.yml")
    return root


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    return home


def compiled_dir(home: Path) -> Path:
    return home / ".ansible" / "mfa-aws" / "run" / "compiled"


def load(collection: Path, home: Path, **env: str) -> dict:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "ANSIBLE_HOME": str(home / ".ansible"),
        **account_home_env(home),
        **env,
    }
    finished = subprocess.run(
        [sys.executable, "-c", PROCESS, str(collection)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def test_a_later_process_compiles_none_of_what_an_earlier_one_kept(collection, home):
    first = load(collection, home)
    assert MODULE in first["compiled"]
    again = load(collection, home)
    assert again == {"compiled": [], "device": first["device"]}
    kept = list(compiled_dir(home).iterdir())
    assert kept
    assert {oct(path.stat().st_mode & 0o777) for path in kept} == {"0o600"}
    assert oct(compiled_dir(home).stat().st_mode & 0o777) == "0o700"


def test_a_changed_source_is_compiled_again_and_its_new_code_kept(collection, home):
    load(collection, home)
    source = collection / "ansible_collections" / "mfa" / "aws" / MODULE
    source.write_text(
        source.read_text().replace("hexdigest()[:20]", "hexdigest()[:12]"),
        encoding="utf-8",
    )
    changed = load(collection, home)
    assert changed["compiled"] == [MODULE]
    assert len(changed["device"]) == 12
    assert load(collection, home) == {"compiled": [], "device": changed["device"]}


def test_nothing_is_kept_when_python_is_told_not_to_write_bytecode(collection, home):
    load(collection, home, PYTHONDONTWRITEBYTECODE="1")
    assert not compiled_dir(home).exists() or not list(compiled_dir(home).iterdir())
    assert MODULE in load(collection, home, PYTHONDONTWRITEBYTECODE="1")["compiled"]


@pytest.mark.parametrize("planted", ["damaged", "symlink"])
def test_a_kept_file_that_is_damaged_or_not_ours_is_compiled_again(collection, home, tmp_path, planted):
    first = load(collection, home)
    for path in compiled_dir(home).iterdir():
        if planted == "damaged":
            path.write_bytes(path.read_bytes()[:40] + b"\0not code")
        else:
            elsewhere = tmp_path / path.name
            path.rename(elsewhere)
            path.symlink_to(elsewhere)
    again = load(collection, home)
    assert MODULE in again["compiled"]
    assert again["device"] == first["device"]


def test_without_a_private_directory_the_collection_loads_as_ansible_loads_it(collection, home):
    run = home / ".ansible" / "mfa-aws" / "run"
    run.parent.mkdir(parents=True)
    run.write_text("not a directory", encoding="utf-8")
    for _ in range(2):
        assert MODULE in load(collection, home)["compiled"]
