"""Where no one can be asked (cron, CI), and on bad input: one line on stderr, nothing on stdout, no code spent."""

import json
import subprocess

import pytest

from tests.credential_process.tools import boto3_lists_buckets, program
from tests.harness.paths import PYTHON

# A guard, not a measure: a run that waited for an answer would never end.
GUARD = 120


def detached(argv, env):
    """Run without a controlling terminal and with nothing on stdin, as cron or a CI job runs a tool."""
    return subprocess.run(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=GUARD,
        start_new_session=True,
        check=False,
    )


def one_line(stderr):
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_code_due_without_a_terminal_fails_at_once_in_one_line(setup, world):
    run = detached(program(setup.program, "--profile", "alice-keys"), setup.env)
    assert run.returncode != 0
    assert run.stdout == ""
    line = one_line(run.stderr)
    assert line.startswith("mfa-aws-credentials: profile alice-keys needs an MFA code")
    assert "no terminal" in line and "--token-command" in line
    assert world.calls() == []


def test_boto3_without_a_terminal_fails_with_the_programs_line(setup, world):
    run = detached(boto3_lists_buckets("alice"), setup.env)
    assert run.returncode != 0
    assert run.stdout == ""
    # botocore puts the program's stderr in its own error.
    assert run.stderr.count("mfa-aws-credentials: profile alice-keys needs an MFA code") == 1
    assert world.calls() == []


def with_token_command(setup, command):
    """The guide's profiles, alice's credential_process line given --token-command."""
    config = setup.config.replace("--profile alice-keys", f"--profile alice-keys --token-command '{command}'")
    assert config != setup.config
    with open(setup.env["AWS_CONFIG_FILE"], "w", encoding="utf-8") as file:
        file.write(config)


def test_token_command_gives_the_code_without_a_terminal(setup, world, tmp_path):
    script = tmp_path / "print-code"
    script.write_text(f"#!/bin/sh\necho {world.totp()}\n")
    script.chmod(0o700)
    with_token_command(setup, str(script))
    run = detached(boto3_lists_buckets("alice"), setup.env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == sorted(world.buckets)
    assert len(world.calls(coded=True)) == 1


def test_a_token_command_that_runs_an_aws_tool_on_the_same_profile_fails_rather_than_wait_on_the_lock(setup, world):
    # The inner program would wait for the lock the outer one holds while the command runs.
    command = "aws sts get-caller-identity --profile alice"
    run = detached(program(setup.program, "--profile", "alice-keys", "--token-command", command), setup.env)
    assert run.returncode != 0
    assert run.stdout == ""
    assert one_line(run.stderr) == "mfa-aws-credentials: mfa_token_command: aws exited with status 255"
    assert world.calls() == []


LOOPS = """
[profile loop]
role_arn = {role}
source_profile = alice
mfa_serial = {serial}

[profile nomfa]
region = eu-west-1
"""


@pytest.mark.parametrize(
    "args, says",
    [
        (("--profile", "alice"), "profile alice has a credential_process of its own"),
        (("--profile", "loop"), "source_profile alice has a credential_process of its own"),
        (("--profile", "nomfa"), "profile nomfa has no mfa_serial"),
        (("--profile", "nosuch"), "profile: 'nosuch' is in neither"),
        (("--profile", "alice-keys", "--duration-seconds", "soon"), "duration_seconds"),
        (("--profile", "admin", "--duration-seconds", "60"), "duration_seconds"),
        (("--profile", "alice-keys", "--region", "eu west 1"), "region"),
        (("--profile", "alice-keys", "--endpoint-url", "ftp://example.com"), "endpoint_url"),
        (("--profile", "alice-keys", "--token-command", "'unclosed"), "mfa_token_command"),
        (("--duration-seconds", "900"), "the following arguments are required: --profile"),
    ],
)
def test_bad_input_is_one_line_before_any_call(setup, world, args, says):
    with open(setup.env["AWS_CONFIG_FILE"], "a", encoding="utf-8") as config:
        config.write(LOOPS.format(role=world.roles["admin"].arn, serial=world.mfa_serial))
    with open(setup.env["AWS_SHARED_CREDENTIALS_FILE"], "a", encoding="utf-8") as credentials:
        credentials.write(f"\n[nomfa]\naws_access_key_id = {world.access_key_id}\n")
        credentials.write(f"aws_secret_access_key = {world.secret_access_key}\n")
    run = detached(program(setup.program, *args), setup.env)
    # 2 for a command line argparse refuses, as every argparse program; 1 for options the collection refuses.
    assert run.returncode == (2 if "--profile" not in args else 1)
    assert run.stdout == ""
    line = one_line(run.stderr)
    assert line.startswith("mfa-aws-credentials: ") and says in line
    assert world.secret_access_key not in line
    assert world.calls() == []


def test_a_python_without_ansible_core_is_one_line_naming_the_fix(setup, world):
    # -S: no site-packages, so neither ansible-core nor botocore can be imported.
    run = detached([str(PYTHON), "-S", str(setup.program), "--profile", "alice-keys"], setup.env)
    assert run.returncode == 1
    assert run.stdout == ""
    line = one_line(run.stderr)
    assert "can't import ansible" in line and "credential_process = /path/to/python" in line
    assert world.calls() == []


def test_a_program_outside_a_collection_says_where_it_must_run_from(setup, world, tmp_path):
    # It finds the collection from its own path: a copy elsewhere has none to run.
    copy = tmp_path / "mfa-aws-credentials"
    copy.write_bytes(setup.program.read_bytes())
    run = detached([str(PYTHON), str(copy), "--profile", "alice-keys"], setup.env)
    assert run.returncode == 1 and run.stdout == ""
    assert one_line(run.stderr) == (
        "mfa-aws-credentials: run from an installed collection "
        "(<path>/ansible_collections/mfa/aws/bin/mfa-aws-credentials)"
    )


def test_a_collection_missing_a_module_says_to_reinstall_it(setup, world, tmp_path):
    root = tmp_path / "collections"
    installed = root / "ansible_collections" / "mfa" / "aws"
    (installed / "bin").mkdir(parents=True)
    copy = installed / "bin" / "mfa-aws-credentials"
    copy.write_bytes(setup.program.read_bytes())
    run = detached([str(PYTHON), str(copy), "--profile", "alice-keys"], setup.env)
    assert run.returncode == 1 and run.stdout == ""
    assert one_line(run.stderr) == (
        "mfa-aws-credentials: ansible_collections.mfa.aws.plugins is missing under "
        f"{root}: reinstall the collection"
    )
    assert world.calls() == []


@pytest.mark.parametrize(
    "where",
    [
        {"MFA_AWS_NO_PROMPT": "1"},
        # ansible-runner's job leads a session of its own on a terminal no one reads, as the program does here.
        {"AWX_ISOLATED_DATA_DIR": "/runner/artifacts/1"},
    ],
)
def test_where_the_plugins_would_not_ask_neither_does_the_program(setup, world, where):
    from tests.credential_process.terminal import run_on_terminal

    run = run_on_terminal(program(setup.program, "--profile", "alice-keys"), {**setup.env, **where}, timeout=60)
    assert run.prompts == 0, run.describe()
    assert run.rc == 1 and run.stdout == ""
    assert one_line(run.stderr).startswith("mfa-aws-credentials: profile alice-keys needs an MFA code")
    assert world.calls() == []


def code_script(world, tmp_path):
    script = tmp_path / "print-code"
    script.write_text(f"#!/bin/sh\necho {world.totp()}\n")
    script.chmod(0o700)
    return str(script)


def session_entries(directory):
    return sorted(path.name for path in directory.glob("mfa-aws-session-*.json")) if directory.is_dir() else []


def test_the_program_reads_the_variables_the_lookups_read(ansible, setup, world, tmp_path):
    shared = tmp_path / "shared-cache"
    env = {**setup.env, "MFA_AWS_TOKEN_COMMAND": code_script(world, tmp_path), "MFA_AWS_CACHE_DIR": str(shared)}
    run = detached(program(setup.program, "--profile", "alice-keys"), env)
    assert run.returncode == 0, run.stderr
    assert len(session_entries(shared)) == 1
    assert session_entries(ansible.sandbox.aws_dir / "cli" / "cache") == []
    # A playbook's lookup with the same variables finds the program's session: no code, no call.
    calls = len(world.calls())
    playbook = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{ lookup('mfa.aws.mfa_session', profile='alice-keys').access_key }}"
"""
    ansible.run(
        playbook,
        world=world,
        env={"MFA_AWS_CACHE_DIR": str(shared), "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
    ).assert_ok()
    assert len(world.calls()) == calls


@pytest.mark.parametrize("how", [{"MFA_AWS_CACHE": "false"}, {"ARGUMENT": "--no-cache"}])
def test_the_program_keeps_credentials_off_the_disk_when_told(setup, world, tmp_path, how):
    env = {**setup.env, "MFA_AWS_TOKEN_COMMAND": code_script(world, tmp_path), "MFA_AWS_CACHE_DIR": str(tmp_path)}
    env.update({name: value for name, value in how.items() if name != "ARGUMENT"})
    extra = [how["ARGUMENT"]] if "ARGUMENT" in how else []
    run = detached(program(setup.program, "--profile", "alice-keys", *extra), env)
    assert run.returncode == 0, run.stderr
    assert session_entries(tmp_path) == []
