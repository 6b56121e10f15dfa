"""Every plugin's RETURN says what the plugin returns: nothing undocumented, nothing documented missing."""

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import REPO_ROOT
from tests.playbooks.plays import mfa, play, task, with_credentials

SESSION, ROLE, LIST = "mfa.aws.sts_mfa_session", "mfa.aws.sts_mfa_assume_role", "mfa.aws.s3_bucket_list"
#: What Ansible itself adds to every registered result.
ANSIBLE_KEYS = {"changed", "failed", "warnings", "deprecations", "ansible_facts", "invocation", "skipped"}


def documented(path: Path) -> dict[str, Any]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "RETURN":
            return yaml.safe_load(node.value.value) or {}
    raise AssertionError(f"{path} has no RETURN")


def always_returned(spec: dict[str, Any], failed: bool) -> bool:
    returned = str(spec.get("returned", "success"))
    return returned == "always" or (returned == "success" and not failed)


def check(value: Any, docs: dict[str, Any], where: str, failed: bool = False) -> None:
    """Keys of `value` against `docs`, down through every documented `contains`."""
    undocumented = set(value) - set(docs)
    assert not undocumented, f"{where}: returned but not documented: {sorted(undocumented)}"
    missing = [key for key, spec in docs.items() if always_returned(spec, failed) and key not in value]
    assert not missing, f"{where}: documented as returned but missing: {missing}"
    for key, spec in docs.items():
        contains = spec.get("contains")
        if key not in value or not contains:
            continue
        items = value[key] if spec.get("type") == "list" else [value[key]]
        for number, item in enumerate(items):
            check(item, contains, f"{where}.{key}[{number}]" if spec.get("type") == "list" else f"{where}.{key}")


def registered(ansible, world, module, options, **run):
    result = ansible.run(play(task(module, options, "out"), save=("out",)), world=world, **run)
    return result, result.json("localhost-out")


def module_docs(name: str) -> dict[str, Any]:
    return documented(REPO_ROOT / "plugins" / "modules" / f"{name.split('.')[-1]}.py")


def test_sts_mfa_session(ansible, world):
    for options in (mfa(world), {"write_profile": "mfa"}):
        result, value = registered(ansible, world, SESSION, options)
        result.assert_ok()
        check({k: v for k, v in value.items() if k not in ANSIBLE_KEYS}, module_docs(SESSION), SESSION)
        assert ("profile" in value) == ("write_profile" in options)


def test_sts_mfa_assume_role(ansible, world):
    role = next(role for role in world.roles.values() if role.requires_mfa)
    _result, value = registered(ansible, world, ROLE, {"role_arn": role.arn, **mfa(world), "write_profile": "admin"})
    check({k: v for k, v in value.items() if k not in ANSIBLE_KEYS}, module_docs(ROLE), ROLE)


def test_s3_bucket_list(ansible, world):
    steps = play(
        task(SESSION, mfa(world)),
        task(LIST, with_credentials("aws_mfa_session"), "out"),
        save=("out",),
    )
    value = ansible.run(steps, world=world).assert_ok().json("localhost-out")
    assert value["buckets"], "the world has buckets: the check below must see one"
    check({k: v for k, v in value.items() if k not in ANSIBLE_KEYS}, module_docs(LIST), LIST)


@pytest.mark.parametrize("module", [SESSION, ROLE])
def test_a_failed_call_returns_what_is_documented_for_failures(ansible, world, module):
    options = {**mfa(world, code="000000")}
    if module == ROLE:
        options["role_arn"] = next(role for role in world.roles.values() if role.requires_mfa).arn
    steps = play(task(module, options, "out", extra="      ignore_errors: true\n"), save=("out",))
    value = ansible.run(steps, world=world).json("localhost-out")
    assert value["failed"] is True
    assert value["error"]["code"] == "AccessDenied" and value["error"]["request_id"]
    failure_keys = {k: v for k, v in value.items() if k not in ANSIBLE_KEYS | {"msg", "exception"}}
    check(failure_keys, module_docs(module), module, failed=True)


@pytest.mark.parametrize("lookup", ["mfa_session", "mfa_assume_role"])
def test_lookups(ansible, world, lookup):
    docs = documented(REPO_ROOT / "plugins" / "lookup" / f"{lookup}.py")["_raw"]
    terms = "" if lookup == "mfa_session" else f"'{next(r for r in world.roles.values() if r.requires_mfa).arn}', "
    steps = play(
        "    - name: Call the lookup\n"
        "      ansible.builtin.set_fact:\n"
        f"        out: \"{{{{ query('mfa.aws.{lookup}', {terms}mfa_serial_number='{world.mfa_serial}', "
        f"mfa_token='{world.totp()}') }}}}\"\n",
        save=("out",),
    )
    value = ansible.run(steps, world=world).assert_ok().json("localhost-out")
    assert isinstance(value, list) and value
    for number, element in enumerate(value):
        check(element, docs["contains"], f"{lookup}[{number}]")
