"""One code opens three accounts' roles on every host: one GetSessionToken, then AssumeRole with its session."""

import json

import pytest

from tests.emulator.world import RoleSpec


@pytest.mark.smoke
def test_one_code_three_roles_on_four_hosts(ansible, emulator):
    world = emulator.build_world(roles=[RoleSpec("admin"), RoleSpec("auditor"), RoleSpec("deployer")])
    arns = [role.arn for role in world.roles.values()]
    assert len(set(arns)) == 3 and len({role.account_id for role in world.roles.values()}) == 3
    playbook = f"""
- hosts: all
  gather_facts: false
  tasks:
    - name: Open the three roles
      mfa_aws_test_save:
        value: "{{{{ query('mfa.aws.mfa_assume_role', *arns, mfa_serial_number=device, mfa_token=code) | to_json }}}}"
        dest: "{{{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}}}/{{{{ inventory_hostname }}}}.json"
      vars:
        arns: {json.dumps(arns)}
        device: {world.mfa_serial}
        code: "{world.totp()}"
"""
    result = ansible.run(playbook, world=world, hosts=4, forks=4).assert_ok()
    assert result.count(coded=True) == 1
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole", coded=False) == 3
    opened = result.json("host01")
    assert len(opened) == 3 and len({credentials["access_key"] for credentials in opened}) == 3
    assert all(result.json(f"host{index:02d}") == opened for index in range(2, 5))
