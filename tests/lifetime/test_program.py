"""bin/mfa-aws-credentials across a role's renewals: a role profile with mfa_serial renews through the MFA session
the first code bought, with no prompt and no code. botocore runs the program from a boto3
script on a real terminal, where a prompt would show."""

import json

from tests.credential_process.terminal import run_on_terminal
from tests.credential_process.tools import boto3_lists_buckets
from tests.lifetime.support import HOUR, MINUTE, summary

PROGRAM = "bin/mfa-aws-credentials"


def write_profiles(ansible, world, program):
    ansible.sandbox.aws_credentials_file.write_text(
        f"[alice-keys]\naws_access_key_id = {world.access_key_id}\naws_secret_access_key = {world.secret_access_key}\n",
        encoding="utf-8",
    )
    ansible.sandbox.aws_config_file.write_text(
        f"""[profile alice-keys]
mfa_serial = {world.mfa_serial}

[profile admin]
role_arn = {world.roles["admin"].arn}
source_profile = alice-keys
mfa_serial = {world.mfa_serial}

[profile admin-mfa]
credential_process = {program} --profile admin
""",
        encoding="utf-8",
    )


def test_the_program_renews_a_role_through_the_session_with_no_prompt(ansible, emulator, clock, collection):
    world = emulator.build_world()
    write_profiles(ansible, world, collection.collection_dir / PROGRAM)
    env = ansible.environment(world=world, env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None})
    buckets = sorted(world.roles["admin"].buckets)

    first = run_on_terminal(boto3_lists_buckets("admin-mfa"), env, answer=world.totp)
    assert (first.rc, first.prompts) == (0, 1), first.describe()
    assert json.loads(first.stdout) == buckets
    assert len(world.calls(coded=True)) == 1

    # 10 minutes left (botocore refreshes 15 minutes ahead), then an hour past the renewal.
    for elapsed in (50 * MINUTE, HOUR + 50 * MINUTE):
        clock.advance_to(elapsed)
        before = len(world.calls())
        again = run_on_terminal(boto3_lists_buckets("admin-mfa"), env)  # no one answers: a prompt ends the run
        assert (again.rc, again.prompts) == (0, 0), again.describe()
        assert json.loads(again.stdout) == buckets
        assert summary(world.calls()[before:]) == [("AssumeRole", False, "ok")]
    assert len(world.calls(coded=True)) == 1
