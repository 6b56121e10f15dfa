"""Roles asked for more than an hour: AWS caps a role assumed with an MFA session's credentials at one hour, so
such a role is assumed with the code itself, lasts what was asked, and is renewed only with a new code; one code
can buy one such role, so several are refused before any call."""

import pytest

from tests.emulator import RoleSpec
from tests.lifetime.support import HOUR, summary
from tests.playbooks.plays import play, task
from tests.reliability.support import assert_clean_success, assert_one_clean_line


def roles_lookup(world, *role_arns, seconds):
    arns = ", ".join(repr(arn) for arn in role_arns)
    expression = (
        f"query('mfa.aws.mfa_assume_role', {arns}, mfa_serial_number='{world.mfa_serial}', mfa_token=mfa_code, "
        f"duration_seconds={seconds})"
    )
    return play(task("ansible.builtin.set_fact", {"roles": "{{ " + expression + " }}"}), save=("roles",))


def test_a_role_of_two_hours_is_assumed_with_the_code_and_renewed_only_with_a_new_one(ansible, emulator, clock):
    world = emulator.build_world(roles=[RoleSpec("long", max_session_duration=2 * HOUR)])
    playbook = roles_lookup(world, world.roles["long"].arn, seconds=2 * HOUR)
    code = world.totp()
    first = assert_clean_success(ansible.run(playbook, world=world, extra_vars={"mfa_code": code}))
    assert summary(first.calls) == [("AssumeRole", True, "ok")]
    (assumed,) = [call for call in first.calls if call.action == "AssumeRole"]
    assert assumed.duration == 2 * HOUR
    issued = emulator.issued(first.json("localhost-roles")[0]["access_key"])
    assert issued.expiration - assumed.at == pytest.approx(2 * HOUR, abs=5)

    # The code that bought the role serves it down to its last minute (it could buy nothing else); once it has
    # expired, no MFA session can renew a role of two hours, and that code was spent.
    clock.advance(2 * HOUR)
    stale = ansible.run(playbook, world=world, extra_vars={"mfa_code": code})
    assert_one_clean_line(stale, "mfa_code|mfa_token_command")
    assert stale.count(coded=True) == 0, stale.calls
    assert code not in stale.output

    renewed = assert_clean_success(ansible.run(playbook, world=world, extra_vars={"mfa_code": world.totp()}))
    assert summary(renewed.calls) == [("AssumeRole", True, "ok")]


def test_several_roles_of_two_hours_with_one_code_are_refused_before_any_call(ansible, emulator):
    world = emulator.build_world(
        roles=[RoleSpec("long1", max_session_duration=2 * HOUR), RoleSpec("long2", max_session_duration=2 * HOUR)]
    )
    arns = [role.arn for role in world.roles.values()]
    result = ansible.run(
        roles_lookup(world, *arns, seconds=2 * HOUR), world=world, extra_vars={"mfa_code": world.totp()}
    )
    assert_one_clean_line(result, "3600")
    assert result.calls == [], result.calls
