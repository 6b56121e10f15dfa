"""A stale -e mfa_code, given again after what it bought has expired: it is recognised, named in one line that says
when it was sent and what has expired, and never sent to AWS again."""

from tests.lifetime.support import HOUR, names_time
from tests.playbooks.plays import play, task
from tests.reliability.support import assert_clean_success, assert_one_clean_line

SESSION_LIFETIME = 43200


def role_lookup(world, role_arn):
    expression = (
        f"lookup('mfa.aws.mfa_assume_role', '{role_arn}', mfa_serial_number='{world.mfa_serial}', mfa_token=mfa_code)"
    )
    return play(task("ansible.builtin.set_fact", {"role": "{{ " + expression + " }}"}), save=("role",))


def test_a_code_given_again_after_its_session_ended_is_named_and_not_sent(ansible, emulator, clock):
    world = emulator.build_world()
    code = world.totp()
    playbook = role_lookup(world, world.roles["admin"].arn)
    first = assert_clean_success(ansible.run(playbook, world=world, extra_vars={"mfa_code": code}))
    sent = [call for call in first.calls if call.coded]
    assert [call.action for call in sent] == ["GetSessionToken"], first.calls

    # The next morning, the same command line from the shell's history: the session (12 hours) is over.
    clock.advance(13 * HOUR)
    again = ansible.run(playbook, world=world, extra_vars={"mfa_code": code})
    message = assert_one_clean_line(again, "expired")
    assert again.count(coded=True) == 0, again.calls
    # When the code was sent, what it bought and when that expired, and what to give now.
    assert names_time(message, sent[0].at), message
    assert names_time(message, sent[0].at + SESSION_LIFETIME), message
    assert "mfa_code" in message or "mfa_token_command" in message, message
    assert code not in again.output
