"""A token command asked again for a second coded call: the first code was spent, so the collection waits for the
device's next step and runs the command again, never sending a code twice. The clock is moved to just before a
step's end, so the wait lasts a few seconds instead of up to a whole step (30 s)."""

from tests.emulator.mfa import STEP
from tests.harness.token_commands import TOKEN_COMMAND_ENV, run_count, token_command
from tests.playbooks.plays import play, task

#: Where in its 30 s step the clock is put before the run: ansible-playbook starts in a second or two on an idle
#: machine, so the first code is of this step and the second of the next. On a slower machine the first code may
#: be of the next step already: the run then waits up to a whole step, and is as right.
BEFORE_THE_STEP_ENDS = 6


def test_a_second_coded_call_waits_for_the_next_code_instead_of_resending(ansible, emulator, clock, tmp_path):
    world = emulator.build_world()
    clock.advance((STEP - BEFORE_THE_STEP_ENDS - clock.now() % STEP) % STEP)
    command, runs = token_command(world, tmp_path)
    options = {"mfa_serial_number": world.mfa_serial, "mfa_token_command": command, "cache": False}
    result = ansible.run(
        play(task("mfa.aws.sts_mfa_session", options), task("mfa.aws.sts_mfa_session", options)),
        world=world,
        env=TOKEN_COMMAND_ENV,
    ).assert_ok()
    coded = [call for call in result.calls if call.coded]
    assert [call.outcome for call in coded] == ["ok", "ok"]
    assert run_count(runs) >= 2
