"""A trust policy that limits aws:MultiFactorAuthAge: renewing a role through an MFA session older than the limit is
refused, so a code is due again; a token command gives one and the run goes on, a stale -e code is named in one
line.

The role lets in callers whose MFA is less than an hour old; the role lasts an hour, so at +1 h 10 min it must be
renewed, and the session that would renew it is 70 minutes old.
"""

from tests.emulator import RoleSpec
from tests.harness.token_commands import TOKEN_COMMAND_ENV, run_count, token_command
from tests.lifetime.support import HOUR, MINUTE, names_time, summary
from tests.playbooks.plays import play, task
from tests.reliability.support import assert_clean_success, assert_one_clean_line

LISTING = {
    "access_key": "{{ role.access_key }}",
    "secret_key": "{{ role.secret_key }}",
    "session_token": "{{ role.session_token }}",
}


def guarded_world(emulator):
    return emulator.build_world(roles=[RoleSpec("guarded", requires_mfa=True, max_mfa_age=HOUR)])


def role_play(world, code_option):
    expression = (
        f"lookup('mfa.aws.mfa_assume_role', '{world.roles['guarded'].arn}', "
        f"mfa_serial_number='{world.mfa_serial}', {code_option})"
    )
    return play(
        task("ansible.builtin.set_fact", {"role": "{{ " + expression + " }}"})
        + task("mfa.aws.s3_bucket_list", LISTING, "listing"),
        save=("listing",),
    )


def test_a_token_command_gives_the_code_due_when_the_session_is_too_old_for_the_role(
    ansible, emulator, clock, tmp_path
):
    world = guarded_world(emulator)
    command, runs = token_command(world, tmp_path)
    playbook = role_play(world, f"mfa_token_command='{command}'")
    first = assert_clean_success(ansible.run(playbook, world=world, env=TOKEN_COMMAND_ENV))
    assert summary(first.calls) == [("GetSessionToken", True, "ok"), ("AssumeRole", False, "ok")]
    assert run_count(runs) == 1

    clock.advance(HOUR + 10 * MINUTE)
    later = assert_clean_success(ansible.run(playbook, world=world, env=TOKEN_COMMAND_ENV))
    # The old session is refused by the trust policy; a new code buys a new session, and the role is tried again.
    assert summary(later.calls) == [
        ("AssumeRole", False, "AccessDenied"),
        ("GetSessionToken", True, "ok"),
        ("AssumeRole", False, "ok"),
    ]
    assert run_count(runs) == 2
    assert sorted(bucket["name"] for bucket in later.json("localhost-listing")["buckets"]) == sorted(
        world.roles["guarded"].buckets
    )


def test_a_stale_code_is_told_why_a_code_is_due_when_the_session_is_too_old_for_the_role(ansible, emulator, clock):
    world = guarded_world(emulator)
    role_arn = world.roles["guarded"].arn
    code = world.totp()
    playbook = role_play(world, "mfa_token=mfa_code")
    first = assert_clean_success(ansible.run(playbook, world=world, extra_vars={"mfa_code": code}))
    bought = [call for call in first.calls if call.coded]
    assert [call.action for call in bought] == ["GetSessionToken"], first.calls

    clock.advance(HOUR + 10 * MINUTE)
    later = ansible.run(playbook, world=world, extra_vars={"mfa_code": code})
    message = assert_one_clean_line(later, role_arn)
    # The renewal was tried through the session, and refused; the spent code was not sent.
    assert summary(later.calls) == [("AssumeRole", False, "AccessDenied")]
    # The role, when the session was bought, and what to give.
    assert names_time(message, bought[0].at), message
    assert "mfa_code" in message or "mfa_token_command" in message, message
    assert code not in later.output
