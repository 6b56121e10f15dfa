"""The whole path a collection module takes: ansible-playbook -> boto3 -> the emulator, with calls recorded."""

from typing import TYPE_CHECKING

from tests.harness import AnsibleRunner

if TYPE_CHECKING:
    from tests.emulator import Emulator, World

# Runs boto3 with the venv's python inside a playbook task: the same interpreter, environment
# and endpoint that the collection's modules get.
RUN_BOTO3 = """
- hosts: localhost
  tasks:
    - ansible.builtin.command:
        argv: ["{{ ansible_playbook_python }}", "-c", "{{ snippet }}"]
      register: boto3_run
    - mfa_aws_test_save:
        dest: "{{ lookup('env', 'MFA_AWS_TEST_RESULTS') }}/answer.json"
        value: "{{ boto3_run.stdout | from_json | to_json }}"
"""

CALLER_IDENTITY = """
import json, boto3
print(json.dumps(boto3.client("sts").get_caller_identity()))
"""

SESSION_TOKEN = """
import json, boto3
answer = boto3.client("sts").get_session_token(SerialNumber="{serial}", TokenCode="{code}", DurationSeconds=900)
print(json.dumps({{"AccessKeyId": answer["Credentials"]["AccessKeyId"]}}))
"""

# A second client with another world's keys, to show that calls are attributed to their account.
OTHER_ACCOUNT = """
import boto3
boto3.client("sts", aws_access_key_id="{key}", aws_secret_access_key="{secret}").get_session_token(
    SerialNumber="{serial}", TokenCode="{code}", DurationSeconds=900
)
"""


def test_boto3_in_a_playbook_reaches_the_emulator_as_the_world_user(ansible: AnsibleRunner, world: "World") -> None:
    result = ansible.run(RUN_BOTO3, world=world, extra_vars={"snippet": CALLER_IDENTITY}).assert_ok()
    identity = result.json("answer")
    assert identity["Account"] == world.account_id
    assert identity["Arn"].startswith(f"arn:aws:iam::{world.account_id}:user/")


def test_get_session_token_is_recorded_for_the_run(ansible: AnsibleRunner, world: "World") -> None:
    snippet = SESSION_TOKEN.format(serial=world.mfa_serial, code=world.totp())
    result = ansible.run(RUN_BOTO3, world=world, extra_vars={"snippet": snippet}).assert_ok()
    assert result.json("answer")["AccessKeyId"]
    assert result.count(action="GetSessionToken") == 1
    assert result.count(action="GetSessionToken", coded=True) == 1
    assert {call.account_id for call in result.calls} == {world.account_id}
    # A second run reports only its own calls.
    assert ansible.run("- hosts: localhost\n  tasks: []\n", world=world).assert_ok().calls == []


def test_calls_of_other_accounts_are_left_out(ansible: AnsibleRunner, world: "World", emulator: "Emulator") -> None:
    other = emulator.build_world(user_name="bob")
    snippet = SESSION_TOKEN.format(serial=world.mfa_serial, code=world.totp()) + OTHER_ACCOUNT.format(
        key=other.access_key_id, secret=other.secret_access_key, serial=other.mfa_serial, code=other.totp()
    )
    result = ansible.run(RUN_BOTO3, world=world, extra_vars={"snippet": snippet}).assert_ok()
    assert result.count(action="GetSessionToken") == 1
    assert [call.account_id for call in result.calls] == [world.account_id]
    assert len(other.calls(action="GetSessionToken")) == 1
