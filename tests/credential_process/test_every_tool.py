"""boto3 and the aws CLI on the guide's credential_process profiles: one prompt, then nothing asked or called."""

import json

from tests.credential_process.terminal import run_on_terminal
from tests.credential_process.tools import aws_cli_lists_buckets, boto3_lists_buckets, program


def assert_no_secret_shown(run, *secrets):
    for secret in secrets:
        assert secret not in run.screen and secret not in run.stderr


def test_boto3_asks_once_then_five_processes_ask_nothing_and_call_nothing_then_the_aws_cli(setup, world):
    first = run_on_terminal(boto3_lists_buckets("alice"), setup.env, answer=world.totp)
    assert first.rc == 0, first.describe()
    assert first.prompts == 1, first.describe()
    assert json.loads(first.stdout) == sorted(world.buckets)
    assert f"MFA code for {world.mfa_serial}: " in first.screen
    # Echo was off: the code typed never reached the screen.
    assert first.typed and first.typed[0] not in first.screen
    assert len(world.calls(action="GetSessionToken", coded=True)) == 1
    calls = len(world.calls())

    for _run in range(5):
        again = run_on_terminal(boto3_lists_buckets("alice"), setup.env)
        assert (again.rc, again.prompts) == (0, 0), again.describe()
        assert json.loads(again.stdout) == sorted(world.buckets)
    cli = run_on_terminal(aws_cli_lists_buckets("alice"), setup.env)
    assert (cli.rc, cli.prompts) == (0, 0), cli.describe()
    assert json.loads(cli.stdout) == sorted(world.buckets)
    assert len(world.calls()) == calls


def test_the_aws_cli_on_a_role_profile_asks_once_then_boto3_asks_nothing(setup, world):
    admin = world.roles["admin"]
    cli = run_on_terminal(aws_cli_lists_buckets("admin-mfa"), setup.env, answer=world.totp)
    assert (cli.rc, cli.prompts) == (0, 1), cli.describe()
    assert json.loads(cli.stdout) == sorted(admin.buckets)
    # The code buys alice's MFA session, whose credentials assume the role (and renew it, without a code).
    assert [(call.action, call.coded, call.role_arn) for call in world.calls()] == [
        ("GetSessionToken", True, None),
        ("AssumeRole", False, admin.arn),
    ]

    for _run in range(5):
        again = run_on_terminal(boto3_lists_buckets("admin-mfa"), setup.env)
        assert (again.rc, again.prompts) == (0, 0), again.describe()
        assert json.loads(again.stdout) == sorted(admin.buckets)
    assert len(world.calls()) == 2


def test_a_cached_mfa_session_assumes_the_role_profile_without_a_code(setup, world):
    session = run_on_terminal(boto3_lists_buckets("alice"), setup.env, answer=world.totp)
    assert (session.rc, session.prompts) == (0, 1), session.describe()

    role = run_on_terminal(boto3_lists_buckets("admin-mfa"), setup.env)
    assert (role.rc, role.prompts) == (0, 0), role.describe()
    assert json.loads(role.stdout) == sorted(world.roles["admin"].buckets)
    assert len(world.calls(coded=True)) == 1
    assert [call.coded for call in world.calls(action="AssumeRole")] == [False]


def test_the_program_prints_botocores_document_and_no_secret_elsewhere(setup, world):
    run = run_on_terminal(program(setup.program, "--profile", "alice-keys"), setup.env, answer=world.totp)
    assert (run.rc, run.prompts) == (0, 1), run.describe()
    document = json.loads(run.stdout)
    assert sorted(document) == ["AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken", "Version"]
    assert document["Version"] == 1
    assert document["Expiration"].endswith("+00:00")
    assert_no_secret_shown(run, document["SecretAccessKey"], document["SessionToken"], world.secret_access_key)
    assert run.stderr == ""


def test_a_code_refused_at_the_prompt_is_asked_for_again_with_the_reason(setup, world):
    # Five digits, then a code four steps old (AWS refuses it), then the current one.
    answers = iter([lambda: "12345", lambda: world.totp(-4), world.totp])

    def answer():
        return next(answers)()

    run = run_on_terminal(program(setup.program, "--profile", "alice-keys"), setup.env, answer=answer)
    assert (run.rc, run.prompts) == (0, 3), run.describe()
    assert "mfa_token: must be exactly the 6 digits" in run.screen
    assert "MultiFactorAuthentication failed" in run.screen
    # The malformed code never reached AWS; the refused one did, once.
    assert [(call.action, call.outcome) for call in world.calls(coded=True)] == [
        ("GetSessionToken", "AccessDenied"),
        ("GetSessionToken", "ok"),
    ]
