"""mfa_token_command: the code read from a command on the controller, only when a coded call is due, never twice."""

import shlex

from tests.harness.files import running
from tests.harness.token_commands import TOKEN_COMMAND_ENV, run_count, token_command
from tests.playbooks.plays import play, task


def test_the_module_reads_the_code_from_the_command(ansible, world, tmp_path):
    command, runs = token_command(world, tmp_path)
    session = task("mfa.aws.sts_mfa_session", {"mfa_serial_number": world.mfa_serial, "mfa_token_command": command}, "s")
    result = ansible.run(play(session, save=("s",)), world=world, env=TOKEN_COMMAND_ENV).assert_ok()
    assert result.json("localhost-s")["identity"]["arn"] == world.user_arn
    assert result.count("GetSessionToken", coded=True) == 1
    assert run_count(runs) == 1
    # A rerun reuses the cached session: the command is not run again.
    ansible.run(play(session), world=world, env=TOKEN_COMMAND_ENV).assert_ok()
    assert run_count(runs) == 1


def test_the_lookup_on_many_hosts_runs_the_command_once(ansible, world, tmp_path):
    command, runs = token_command(world, tmp_path)
    role = next(role for role in world.roles.values() if role.requires_mfa)
    # The device and the command as a team sets them once for every playbook: in ansible.cfg.
    with ansible.sandbox.ansible_cfg.open("a", encoding="utf-8") as config:
        config.write(f"\n[mfa_aws]\nmfa_serial_number = {world.mfa_serial}\nmfa_token_command = {command}\n")
    playbook = f"""
- hosts: all
  gather_facts: false
  vars:
    creds: "{{{{ lookup('mfa.aws.mfa_assume_role', '{role.arn}') }}}}"
  tasks:
    - name: Use the credentials
      ansible.builtin.assert:
        that: creds.access_key is match('ASIA')
"""
    result = ansible.run(playbook, world=world, hosts=6, forks=6, env=TOKEN_COMMAND_ENV).assert_ok()
    assert result.count(coded=True) == 1
    assert run_count(runs) == 1


def test_without_a_command_a_spent_code_is_never_resent(ansible, world):
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token": world.totp(), "cache": False}
    result = ansible.run(play(task("mfa.aws.sts_mfa_session", options), task("mfa.aws.sts_mfa_session", options)),
                         world=world)
    result.assert_failed(
        match=r"GetSessionToken was not called: the MFA code given \(mfa_token\) was sent to AWS at .* with cache: false"
    )
    assert result.count("GetSessionToken", coded=True) == 1


def test_a_command_that_fails_is_one_line_and_no_call(ansible, world, tmp_path):
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token_command": "false"}
    result = ansible.run(play(task("mfa.aws.sts_mfa_session", options)), world=world)
    result.assert_failed(match=r"mfa_token_command: false exited with status 1")
    assert result.calls == []


def test_a_command_that_prints_no_code_is_refused_without_echoing_it(ansible, world):
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token_command": "echo hunter2-secret"}
    result = ansible.run(play(task("mfa.aws.sts_mfa_session", options)), world=world, verbosity=3)
    result.assert_failed(match=r"mfa_token_command: echo printed no 6-digit code")
    assert "hunter2" not in result.output.replace("echo hunter2-secret", "")
    assert result.calls == []


# A module that runs on a managed host and reports a fact of its own choosing, as any compromised host could.
FACT_MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec={"command": {"type": "str", "required": True}})
module.exit_json(changed=False, ansible_facts={"mfa_aws_token_command": module.params["command"]})
"""


def test_a_managed_host_cannot_choose_the_command_the_lookup_runs(ansible, world, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "report_fact.py").write_text(FACT_MODULE)
    marker = tmp_path / "ran-on-the-controller"
    playbook = f"""
- hosts: all
  gather_facts: false
  tasks:
    - name: The managed host reports mfa_aws_token_command as a fact
      report_fact:
        command: touch {marker}
    - name: The fact is a variable of the host
      ansible.builtin.assert:
        that: mfa_aws_token_command == 'touch {marker}'
    - name: The lookup runs for that host
      ansible.builtin.debug:
        msg: "{{{{ lookup('mfa.aws.mfa_session', mfa_serial_number='{world.mfa_serial}').access_key }}}}"
"""
    result = ansible.run(playbook, world=world, hosts=1, env={**TOKEN_COMMAND_ENV, "ANSIBLE_LIBRARY": str(library)})
    result.assert_failed(match=r"GetSessionToken needs an MFA code and no cached credentials are left")
    assert not marker.exists()
    assert result.calls == []


def test_a_command_that_leaves_a_child_running_gives_its_code_at_once(ansible, world, tmp_path):
    command, _unused = token_command(world, tmp_path)
    child_pid = tmp_path / "child.pid"
    wrapper = tmp_path / "code-and-child.sh"
    # The child inherits the command's output and keeps it open long after the code is printed.
    wrapper.write_text(
        f"#!/bin/sh\nsleep 300 &\necho $! > {shlex.quote(str(child_pid))}\nexec {shlex.quote(command)}\n"
    )
    wrapper.chmod(0o755)
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token_command": str(wrapper)}
    result = ansible.run(play(task("mfa.aws.sts_mfa_session", options)), world=world, env=TOKEN_COMMAND_ENV, timeout=45)
    result.assert_ok()
    assert result.count("GetSessionToken", coded=True) == 1
    assert not running(int(child_pid.read_text()))


def test_a_command_that_prints_more_after_its_code_gives_the_code(ansible, world, tmp_path):
    command, runs = token_command(world, tmp_path)
    wrapper = tmp_path / "code-then-notice.sh"
    # One write holds a banner, the code and a notice after it, as a password manager that copies the code prints.
    notice = "Touch your key\\n%s\\nCopied to the clipboard\\n"
    wrapper.write_text(f'#!/bin/sh\ncode=$({shlex.quote(command)})\nprintf "{notice}" "$code"\n')
    wrapper.chmod(0o755)
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token_command": str(wrapper)}
    result = ansible.run(play(task("mfa.aws.sts_mfa_session", options)), world=world, env=TOKEN_COMMAND_ENV).assert_ok()
    assert result.count("GetSessionToken", coded=True) == 1
    assert run_count(runs) == 1


# A module that reports the device and the code of its choosing as facts, as any compromised host could.
DEVICE_FACTS_MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec={"serial": {"type": "str"}, "code": {"type": "str"}})
module.exit_json(
    changed=False,
    ansible_facts={"mfa_aws_serial_number": module.params["serial"], "mfa_aws_token": module.params["code"]},
)
"""


def test_a_managed_host_cannot_choose_the_device_or_the_code_the_lookup_sends(ansible, world, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "report_device.py").write_text(DEVICE_FACTS_MODULE)
    theirs = f"arn:aws:iam::{world.account_id}:mfa/mallory"
    playbook = f"""
- hosts: all
  gather_facts: false
  tasks:
    - name: The managed host reports a device and a code of its own as facts
      report_device:
        serial: {theirs}
        code: "000000"
    - name: The facts are variables of the host
      ansible.builtin.assert:
        that: mfa_aws_serial_number == '{theirs}' and mfa_aws_token == '000000'
    - name: The lookup runs for that host, the device set in the controller's environment, no code given
      ansible.builtin.debug:
        msg: "{{{{ lookup('mfa.aws.mfa_session').access_key }}}}"
"""
    env = {**TOKEN_COMMAND_ENV, "ANSIBLE_LIBRARY": str(library), "MFA_AWS_SERIAL_NUMBER": world.mfa_serial}
    result = ansible.run(playbook, world=world, hosts=1, env=env)
    # Neither the host's code nor its device was used: no code was given, and no one is there to ask.
    result.assert_failed(match=r"GetSessionToken needs an MFA code and no cached credentials are left")
    assert result.calls == []
    # The code and the device the controller's side gives are the ones sent.
    env["MFA_AWS_TOKEN"] = world.totp()
    ansible.run(playbook, world=world, hosts=1, env=env).assert_ok()
    assert [call.outcome for call in world.calls(coded=True)] == ["ok"]
