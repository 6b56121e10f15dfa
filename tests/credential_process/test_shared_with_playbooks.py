"""One code between playbooks and every other AWS tool, in both directions.

The playbooks run through the harness, with no terminal: a code they needed would fail them.
"""

import json

from tests.credential_process.terminal import run_on_terminal
from tests.credential_process.tools import boto3_lists_buckets, program
from tests.playbooks.plays import play, task

KEYS_IN_THE_PROFILE = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}


def saved_lookups(**lookups):
    """A play that saves each lookup's result, evaluated on the controller."""
    tasks = "".join(
        task("ansible.builtin.set_fact", {name: f"{{{{ {expression} }}}}"}) for name, expression in lookups.items()
    )
    return play(tasks, save=tuple(lookups))


def test_a_session_a_playbook_bought_serves_the_program_with_no_prompt(ansible, setup, world):
    bought = ansible.run(
        play(
            task("mfa.aws.sts_mfa_session", {"profile": "alice-keys", "mfa_token": world.totp()}, "session"),
            save=("session",),
        ),
        world=world,
        env=KEYS_IN_THE_PROFILE,
    ).assert_ok()
    assert bought.count("GetSessionToken", coded=True) == 1
    calls = len(world.calls())

    run = run_on_terminal(program(setup.program, "--profile", "alice-keys"), setup.env)
    assert (run.rc, run.prompts) == (0, 0), run.describe()
    session = bought.json("localhost-session")["credentials"]
    assert json.loads(run.stdout)["AccessKeyId"] == session["access_key"]
    assert len(world.calls()) == calls

    # The role profile is assumed with that session: no code, no prompt.
    role = run_on_terminal(boto3_lists_buckets("admin-mfa"), setup.env)
    assert (role.rc, role.prompts) == (0, 0), role.describe()
    assert json.loads(role.stdout) == sorted(world.roles["admin"].buckets)
    assert len(world.calls(coded=True)) == 1


def test_a_session_the_program_bought_serves_the_playbooks_lookups_with_no_code(ansible, setup, world):
    run = run_on_terminal(program(setup.program, "--profile", "alice-keys"), setup.env, answer=world.totp)
    assert (run.rc, run.prompts) == (0, 1), run.describe()
    issued = json.loads(run.stdout)

    admin, reader = world.roles["admin"].arn, world.roles["reader"].arn
    result = ansible.run(
        saved_lookups(
            session="lookup('mfa.aws.mfa_session', profile='alice-keys')",
            # Two roles take the user's MFA session, which the program bought.
            roles=f"query('mfa.aws.mfa_assume_role', '{admin}', '{reader}', profile='alice-keys', "
            f"mfa_serial_number='{world.mfa_serial}')",
        ),
        world=world,
        env=KEYS_IN_THE_PROFILE,
    ).assert_ok()
    assert result.json("localhost-session")["access_key"] == issued["AccessKeyId"]
    assert len(result.json("localhost-roles")) == 2
    assert len(world.calls(coded=True)) == 1
    assert result.count("GetSessionToken") == 0


def test_role_credentials_the_program_bought_serve_the_playbooks_lookup_with_no_code(ansible, setup, world):
    run = run_on_terminal(program(setup.program, "--profile", "admin"), setup.env, answer=world.totp)
    assert (run.rc, run.prompts) == (0, 1), run.describe()
    issued = json.loads(run.stdout)

    result = ansible.run(
        saved_lookups(role="lookup('mfa.aws.mfa_assume_role', profile='admin')"), world=world, env=KEYS_IN_THE_PROFILE
    ).assert_ok()
    assert result.json("localhost-role")["access_key"] == issued["AccessKeyId"]
    assert result.count() == 0
    assert len(world.calls(coded=True)) == 1
