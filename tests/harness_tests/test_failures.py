"""A failing playbook must fail the test, with a message that shows why."""

import re
import time

import pytest

from tests.harness import AnsibleRunner, PlaybookTimeout

FAILING = """
- hosts: localhost
  tasks:
    - ansible.builtin.fail:
        msg: "boom: the MFA code was rejected"
"""


def test_failing_playbook_has_nonzero_rc_and_matches(ansible: AnsibleRunner) -> None:
    result = ansible.run(FAILING)
    assert result.rc != 0
    assert result.assert_failed(match=r"boom: the MFA code was rejected") is result
    assert result.assert_failed(match=re.compile(r"MFA CODE", re.IGNORECASE)) is result
    assert result.recap["localhost"]["failed"] == 1


def test_assert_ok_explains_the_failure(ansible: AnsibleRunner) -> None:
    result = ansible.run(FAILING)
    with pytest.raises(AssertionError) as excinfo:
        result.assert_ok()
    message = str(excinfo.value)
    assert f"rc={result.rc}" in message
    assert "ansible-playbook" in message
    assert "boom: the MFA code was rejected" in message


def test_assert_failed_rejects_a_wrong_reason(ansible: AnsibleRunner) -> None:
    result = ansible.run(FAILING)
    with pytest.raises(AssertionError, match="no match for 'throttled'"):
        result.assert_failed(match="throttled")


def test_assert_failed_rejects_success(ansible: AnsibleRunner) -> None:
    result = ansible.run("- hosts: localhost\n  tasks: []\n").assert_ok()
    with pytest.raises(AssertionError, match="a failure was expected"):
        result.assert_failed()


def test_syntax_error_fails(ansible: AnsibleRunner) -> None:
    ansible.run("- hosts: localhost\n  tasks:\n    - no_such_module_anywhere: {}\n").assert_failed(
        match="no_such_module_anywhere"
    )


def test_timeout_kills_the_run(ansible: AnsibleRunner) -> None:
    started = time.monotonic()
    with pytest.raises(PlaybookTimeout, match="killed after the 3s timeout"):
        ansible.run(
            """
            - hosts: localhost
              tasks:
                - ansible.builtin.command: sleep 60
            """,
            timeout=3,
        )
    assert time.monotonic() - started < 30


def test_a_file_name_is_not_taken_for_yaml(ansible: AnsibleRunner) -> None:
    with pytest.raises(TypeError, match="pass a Path"):
        ansible.run("playbooks/site.yml")
