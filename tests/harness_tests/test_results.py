"""Structured values travel from a playbook to the test through $MFA_AWS_TEST_RESULTS."""

import pytest

from tests.harness import AnsibleRunner

ECHO_VARS = """
- hosts: localhost
  tasks:
    - mfa_aws_test_save:
        dest: "{{ lookup('env', 'MFA_AWS_TEST_RESULTS') }}/echo.json"
        value: "{{ {'code': code, 'count': count, 'flag': flag, 'nested': nested} | to_json }}"
"""


def test_json_reads_back_what_the_playbook_wrote(ansible: AnsibleRunner) -> None:
    extra_vars = {"code": "012345", "count": 3, "flag": True, "nested": {"list": [1, "two", None]}}
    result = ansible.run(ECHO_VARS, extra_vars=extra_vars).assert_ok()
    assert result.json("echo") == extra_vars
    assert result.json("echo.json") == extra_vars


def test_extra_vars_stay_off_the_command_line(ansible: AnsibleRunner) -> None:
    result = ansible.run(ECHO_VARS, extra_vars={"code": "987654", "count": 0, "flag": False, "nested": {}})
    result.assert_ok()
    assert "987654" not in result.command_line
    assert any(arg.startswith("@") and arg.endswith(".json") for arg in result.command)


def test_each_run_has_its_own_results(ansible: AnsibleRunner) -> None:
    first = ansible.run(ECHO_VARS, extra_vars={"code": "1", "count": 1, "flag": True, "nested": {}}).assert_ok()
    second = ansible.run("- hosts: localhost\n  tasks: []\n").assert_ok()
    assert first.json("echo")["code"] == "1"
    with pytest.raises(AssertionError, match=r"wrote no echo\.json"):
        second.json("echo")


def test_missing_result_names_what_is_there(ansible: AnsibleRunner) -> None:
    result = ansible.run(ECHO_VARS, extra_vars={"code": "", "count": 0, "flag": False, "nested": {}}).assert_ok()
    with pytest.raises(AssertionError, match=r"wrote no other\.json.*echo\.json"):
        result.json("other")
