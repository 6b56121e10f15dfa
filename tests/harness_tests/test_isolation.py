"""Runs must see only their sandbox: never the developer's HOME, ~/.aws, ~/.ansible or AWS_* variables."""

import sys
from pathlib import Path

import pytest

from tests.harness import AnsibleRunner

ENV_REPORT = """
- hosts: localhost
  tasks:
    - mfa_aws_test_save:
        dest: "{{ lookup('env', 'MFA_AWS_TEST_RESULTS') }}/env.json"
        value: "{{ report | to_json }}"
      vars:
        report:
          HOME: "{{ lookup('env', 'HOME') }}"
          AWS_CONFIG_FILE: "{{ lookup('env', 'AWS_CONFIG_FILE') }}"
          AWS_SHARED_CREDENTIALS_FILE: "{{ lookup('env', 'AWS_SHARED_CREDENTIALS_FILE') }}"
          AWS_PROFILE: "{{ lookup('env', 'AWS_PROFILE') }}"
          AWS_ACCESS_KEY_ID: "{{ lookup('env', 'AWS_ACCESS_KEY_ID') }}"
          ANSIBLE_CONFIG: "{{ lookup('env', 'ANSIBLE_CONFIG') }}"
          ANSIBLE_STRATEGY: "{{ lookup('env', 'ANSIBLE_STRATEGY') }}"
          python: "{{ ansible_playbook_python }}"
          shell_home: "{{ lookup('pipe', 'echo ~') }}"
"""


def test_playbook_sees_the_sandbox_home_and_aws_files(ansible: AnsibleRunner) -> None:
    seen = ansible.run(ENV_REPORT).assert_ok().json("env")
    sandbox = ansible.sandbox
    assert seen["HOME"] == str(sandbox.home)
    assert seen["shell_home"] == str(sandbox.home)
    assert Path(seen["AWS_CONFIG_FILE"]).is_relative_to(sandbox.home)
    assert Path(seen["AWS_SHARED_CREDENTIALS_FILE"]).is_relative_to(sandbox.home)
    assert Path(seen["ANSIBLE_CONFIG"]) == sandbox.ansible_cfg


def test_developer_environment_does_not_leak_in(ansible: AnsibleRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developers-real-profile")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEVELOPERSREALKEY")
    monkeypatch.setenv("ANSIBLE_STRATEGY", "free")
    seen = ansible.run(ENV_REPORT).assert_ok().json("env")
    assert seen["AWS_PROFILE"] == ""
    assert seen["AWS_ACCESS_KEY_ID"] == ""
    assert seen["ANSIBLE_STRATEGY"] == ""


def test_runs_with_the_python_running_the_tests(ansible: AnsibleRunner) -> None:
    seen = ansible.run(ENV_REPORT).assert_ok().json("env")
    assert seen["python"] == sys.executable


def test_ansible_state_is_written_inside_the_sandbox(ansible: AnsibleRunner) -> None:
    result = ansible.run(
        """
        - hosts: localhost
          tasks:
            - ansible.builtin.file:
                path: "~/.aws/touched-by-playbook"
                state: touch
        """
    ).assert_ok()
    assert (ansible.sandbox.aws_dir / "touched-by-playbook").is_file(), result.output
    # Modules were staged in the sandbox's temp directories, not in the real ~/.ansible.
    assert ansible.sandbox.local_tmp.is_dir()
    assert not list(ansible.sandbox.root.glob("**/*.retry"))


def test_env_overrides_set_and_remove_variables(ansible: AnsibleRunner) -> None:
    env = ansible.environment(env={"AWS_PROFILE": "chosen", "AWS_EC2_METADATA_DISABLED": None})
    assert env["AWS_PROFILE"] == "chosen"
    assert "AWS_EC2_METADATA_DISABLED" not in env
    assert env["HOME"] == str(ansible.sandbox.home)


def test_each_test_gets_its_own_sandbox(ansible: AnsibleRunner, tmp_path: Path) -> None:
    assert ansible.sandbox.root.is_relative_to(tmp_path)
    assert not ansible.sandbox.home.is_relative_to(Path.home())
