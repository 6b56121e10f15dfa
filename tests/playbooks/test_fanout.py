"""One code, many roles: through the lookup's many ARNs and through modules, and AWS's chaining limit up front."""

import secrets

from tests.emulator import RoleSpec
from tests.playbooks.plays import mfa, play, task, with_credentials

ASSUME = "mfa.aws.sts_mfa_assume_role"


def test_the_lookup_opens_many_roles_with_one_code_on_many_hosts(ansible, emulator):
    world = emulator.build_world(roles=[RoleSpec(f"team{i}", requires_mfa=True, bucket_count=1) for i in range(6)])
    arns = ", ".join(repr(role.arn) for role in world.roles.values())
    playbook = f"""
- hosts: all
  gather_facts: false
  vars:
    sessions: "{{{{ query('mfa.aws.mfa_assume_role', {arns}, mfa_serial_number='{world.mfa_serial}',
                    mfa_token='{world.totp()}') }}}}"
  tasks:
    - name: Every role's session is there, each its own
      ansible.builtin.assert:
        that:
          - sessions | length == 6
          - sessions | map(attribute='access_key') | unique | length == 6
    - name: Save the keys
      mfa_aws_test_save:
        value: "{{{{ sessions | map(attribute='access_key') | to_json }}}}"
        dest: "{{{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}}}/{{{{ inventory_hostname }}}}.json"
"""
    result = ansible.run(playbook, world=world, hosts=4, forks=4).assert_ok()
    assert result.count(coded=True) == 1
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole") == 6
    assert all(not call.coded for call in result.calls if call.action == "AssumeRole")
    # Every host got the same sessions, in the order of the ARNs.
    keys = result.json("host01")
    assert all(result.json(f"host{index:02d}") == keys for index in range(2, 5))
    assert [call.role_arn for call in result.calls if call.action == "AssumeRole"] != [] and sorted(
        call.role_arn for call in result.calls if call.action == "AssumeRole"
    ) == sorted(role.arn for role in world.roles.values())


def chain_world(emulator):
    first_account = str(secrets.randbelow(9 * 10**11) + 10**11)
    first = f"arn:aws:iam::{first_account}:role/first"
    return emulator.build_world(
        roles=[
            RoleSpec("first", requires_mfa=True, account_id=first_account),
            RoleSpec("second", requires_mfa=False, trusted=(first,), max_session_duration=43200),
        ]
    )


def test_chaining_over_an_hour_is_refused_before_the_call(ansible, emulator):
    world = chain_world(emulator)
    first = task(ASSUME, {"role_arn": world.roles["first"].arn, **mfa(world), "fact_name": "first"})
    second = task(
        ASSUME, {"role_arn": world.roles["second"].arn, "duration_seconds": 7200, **with_credentials("first")}
    )
    result = ansible.run(play(first, second), world=world)
    result.assert_failed(match=r"duration_seconds: 7200 is over AWS's limit of 3600 for a role assumed with temporary credentials")
    assert [call.role_arn for call in result.calls if call.action == "AssumeRole"] == [world.roles["first"].arn]


def test_chaining_within_the_hour_works(ansible, emulator):
    world = chain_world(emulator)
    first = task(ASSUME, {"role_arn": world.roles["first"].arn, **mfa(world), "fact_name": "first"})
    second = task(
        ASSUME,
        {"role_arn": world.roles["second"].arn, "duration_seconds": 3600, **with_credentials("first")},
        "second",
    )
    result = ansible.run(play(first, second, save=("second",)), world=world).assert_ok()
    assert result.json("localhost-second")["identity"]["account"] == world.roles["second"].account_id


def test_a_root_session_over_an_hour_is_refused_before_the_call(ansible, emulator):
    world = emulator.build_world(root_keys=True, mfa=False, roles=[])
    root = {"AWS_ACCESS_KEY_ID": world.root_access_key_id, "AWS_SECRET_ACCESS_KEY": world.root_secret_access_key}
    long = task("mfa.aws.sts_mfa_session", {"duration_seconds": 7200})
    result = ansible.run(play(long), world=world, env=root)
    result.assert_failed(match=r"duration_seconds: 7200 is over AWS's limit of 3600 for sessions of the account's root")
    assert result.count("GetSessionToken") == 0
    hour = task("mfa.aws.sts_mfa_session", {"duration_seconds": 3600}, "session")
    session = ansible.run(play(hour, save=("session",)), world=world, env=root).assert_ok().json("localhost-session")
    assert session["identity"]["arn"].endswith(":root")
