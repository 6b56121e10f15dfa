"""An answer damaged on the way, after the code was sent: one line on stderr, no traceback, no secret."""

import pytest

from tests.credential_process.test_without_a_terminal import detached, one_line
from tests.credential_process.tools import program


@pytest.mark.parametrize("how", ["cut-short", "damaged"])
def test_a_damaged_answer_is_one_line_without_the_secret_and_the_code_stays_spent(setup, world, tmp_path, how):
    code = world.totp()
    script = tmp_path / "print-code"
    script.write_text(f"#!/bin/sh\necho {code}\n")
    script.chmod(0o700)
    world.emulator.lose_answers(1, how)
    run = detached(program(setup.program, "--profile", "alice-keys", "--token-command", str(script)), setup.env)
    assert run.returncode == 1 and run.stdout == ""
    line = one_line(run.stderr)
    assert line.startswith("mfa-aws-credentials: GetSessionToken got an answer from AWS that could not be read")
    assert world.emulator.issued_secret_keys()
    for secret in world.emulator.issued_secret_keys():
        assert secret not in run.stderr
    assert [(call.outcome, call.lost) for call in world.calls(coded=True)] == [("ok", how)]
