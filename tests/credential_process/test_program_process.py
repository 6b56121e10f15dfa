"""The program as botocore runs it: JSON alone on stdout, exit 130 on Ctrl-C, and one coded call however many start.

Each test runs bin/mfa-aws-credentials detached (no terminal, nothing on stdin), with a token command that
the test controls: it tells the test when it runs, and prints the code only when the test says so.
"""

import json
import os
import signal
import subprocess

from tests.credential_process.test_without_a_terminal import GUARD, detached, one_line
from tests.credential_process.tools import program
from tests.harness.files import running, waiting_for_a_lock
from tests.harness.paths import PYTHON
from tests.harness.token_commands import held_command, release, run_lines, wait_until


def start(argv, env, **options):
    return subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **options,
    )


def interruptible():
    """Ctrl-C's default action, as a shell gives a command it runs in the foreground. pytest started in the
    background by a script (`pytest &`) has SIGINT ignored, and a program inherits that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_warnings_go_to_stderr_and_stdout_holds_the_document_alone(setup, world, tmp_path):
    loose = setup.env["HOME"] + "/loose-cache"
    os.mkdir(loose, 0o755)
    os.chmod(loose, 0o755)
    code = tmp_path / "print-code"
    code.write_text(f"#!/bin/sh\necho {world.totp()}\n")
    code.chmod(0o700)
    argv = program(setup.program, "--profile", "alice-keys", "--token-command", str(code), "--cache-dir", loose)
    run = detached(argv, setup.env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1
    assert sorted(json.loads(run.stdout)) == ["AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken", "Version"]
    assert one_line(run.stderr) == (
        f"mfa-aws-credentials: warning: cache_dir {loose} was readable by others (mode 755); it is now 700"
    )


def test_ctrl_c_while_waiting_for_the_code_exits_130_and_ends_the_command(setup, world, tmp_path):
    command, runs, _go = held_command(tmp_path)
    argv = program(setup.program, "--profile", "alice-keys", "--token-command", command)
    process = start(argv, setup.env, preexec_fn=interruptible)
    try:
        wait_until(lambda: run_lines(runs), "the token command to start")
        process.send_signal(signal.SIGINT)  # what the terminal sends the foreground process on Ctrl-C
        stdout, stderr = process.communicate(timeout=GUARD)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stdout == ""
    assert one_line(stderr) == "mfa-aws-credentials: interrupted"
    assert not running(int(run_lines(runs)[0]))
    assert world.calls() == []


def test_two_programs_started_together_on_a_cold_cache_make_one_coded_call(setup, world, tmp_path):
    command, runs, go = held_command(tmp_path)
    argv = program(setup.program, "--profile", "alice-keys", "--token-command", command)
    processes = [start(argv, setup.env) for _process in range(2)]
    pids = {process.pid for process in processes}
    try:
        # One holds the device's lock and runs its command; the other waits for that lock (or, were there no
        # lock, runs its own command too).
        wait_until(lambda: len(run_lines(runs)) > 1 or (run_lines(runs) and waiting_for_a_lock(pids)), "either")
        assert len(run_lines(runs)) == 1, "both programs ran the token command at once: they did not share a lock"
        release(go, world.totp())
        outputs = [process.communicate(timeout=GUARD) for process in processes]
    finally:
        if not go.exists():  # a failed check above: let the held commands end
            release(go, "000000")
        for process in processes:
            process.kill()
    assert [process.returncode for process in processes] == [0, 0], outputs
    documents = [json.loads(stdout) for stdout, _stderr in outputs]
    assert documents[0] == documents[1]
    assert len(run_lines(runs)) == 1
    assert [call.action for call in world.calls(coded=True)] == ["GetSessionToken"]


BROKEN = """
import runpy, sys

program, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
from ansible_collections.mfa.aws.plugins.module_utils import _credential_process


def broken(options, runtime):
    raise RuntimeError("<Error><SecretAccessKey>quoted-from-aws</SecretAccessKey>")


# What no rule foresaw, as a bug deep in botocore would be: the program's own import then finds this module.
_credential_process.credentials = broken
sys.argv = [program, *sys.argv[3:]]
runpy.run_path(program, run_name="__main__")
"""


def test_an_unexpected_failure_is_one_line_that_quotes_nothing(setup, world, tmp_path):
    wrapper = tmp_path / "broken.py"
    wrapper.write_text(BROKEN, encoding="utf-8")
    root = str(setup.program.parents[4])
    run = detached([str(PYTHON), str(wrapper), str(setup.program), root, "--profile", "alice-keys"], setup.env)
    assert run.returncode == 1 and run.stdout == ""
    assert one_line(run.stderr) == (
        "mfa-aws-credentials: failed unexpectedly (RuntimeError); nothing more is shown, since it may quote what "
        "AWS answered. Run again; if it happens again, report it."
    )
