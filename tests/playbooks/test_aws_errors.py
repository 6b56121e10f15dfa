"""AWS's refusals end in one line that says what to do, never a traceback."""

import pytest

from tests.playbooks.plays import mfa, play, task, with_credentials
from tests.reliability.support import assert_one_clean_line


def run_one(ansible, world, module, options, **kwargs):
    return ansible.run(play(task(module, options)), world=world, **kwargs)


def test_a_wrong_code(ansible, world):
    wrong = f"{(int(world.totp()) + 500000) % 1000000:06d}"
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, wrong))
    assert_one_clean_line(result, "GetSessionToken refused the MFA code: it is wrong, expired, or was already used")
    assert result.count("GetSessionToken", coded=True) == 1


@pytest.mark.smoke
def test_a_code_used_elsewhere_is_refused_by_aws(ansible, world, tmp_path):
    code = world.totp()
    first = {**mfa(world, code), "cache_dir": str(tmp_path / "one")}
    run_one(ansible, world, "mfa.aws.sts_mfa_session", first).assert_ok()
    # Another machine (its own cache and its own record of codes sent) knows nothing of the code: AWS itself
    # refuses the replay.
    second = {**mfa(world, code), "cache_dir": str(tmp_path / "two")}
    elsewhere = {"MFA_AWS_TEST_PASSWD_HOME": str(tmp_path / "elsewhere")}  # another machine's user
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", second, env=elsewhere)
    assert_one_clean_line(result, "refused the MFA code.*AWS said: AccessDenied: MultiFactorAuthentication failed")


def test_a_spent_code_is_never_sent_twice_from_one_controller(ansible, world):
    options = {**mfa(world), "cache": False}
    twice = play(task("mfa.aws.sts_mfa_session", options), task("mfa.aws.sts_mfa_session", options))
    result = ansible.run(twice, world=world)
    assert_one_clean_line(result, "GetSessionToken was not called: this MFA code was already sent to AWS in this run")
    assert result.count("GetSessionToken", coded=True) == 1


def test_a_serial_that_is_not_the_users_device(ansible, world):
    options = {**mfa(world), "mfa_serial_number": f"arn:aws:iam::{world.account_id}:mfa/someone-else"}
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", options)
    assert_one_clean_line(result, "could not validate the MFA code against mfa_serial_number")


def test_a_role_that_requires_mfa_refuses_plain_keys(ansible, world):
    role = next(role for role in world.roles.values() if role.requires_mfa)
    result = run_one(ansible, world, "mfa.aws.sts_mfa_assume_role", {"role_arn": role.arn})
    assert_one_clean_line(result, f"AssumeRole on {role.arn} was refused: the role's trust policy")


def test_session_credentials_are_refused_for_a_session_before_any_call(ansible, world):
    first = task("mfa.aws.sts_mfa_session", mfa(world))
    second = task("mfa.aws.sts_mfa_session", {**with_credentials("aws_mfa_session"), "cache": False})
    result = ansible.run(play(first, second), world=world)
    assert_one_clean_line(result, "GetSessionToken must be signed with an IAM user's long-term access keys")
    assert result.count("GetSessionToken") == 1


def test_credentials_that_expired_mid_run(ansible, world):
    emulator = world.emulator
    session = task("mfa.aws.sts_mfa_session", {**mfa(world), "duration_seconds": 3600})
    listing = task("mfa.aws.s3_bucket_list", with_credentials("aws_mfa_session"))
    ansible.run(play(session), world=world).assert_ok()
    emulator.clock.advance(3700)
    # The cache still holds the session (the controller's clock did not move); AWS's clock did.
    result = ansible.run(play(session, listing), world=world)
    assert_one_clean_line(result, "ListBuckets was called with temporary credentials that have expired")
    assert "The provided token has expired." in result.output


def test_throttling_is_retried_then_succeeds(ansible, world):
    world.emulator.inject_throttling(2)
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", {**mfa(world), "retries": 4}).assert_ok()
    outcomes = [call.outcome for call in result.calls if call.action == "GetSessionToken"]
    assert outcomes == ["Throttling", "Throttling", "ok"]


def test_throttling_beyond_the_retries(ansible, world):
    world.emulator.inject_throttling(3)
    try:
        result = run_one(ansible, world, "mfa.aws.sts_mfa_session", {**mfa(world), "retries": 1})
    finally:
        world.emulator.inject_throttling(0)
    assert_one_clean_line(result, "GetSessionToken was throttled by AWS even after retrying: raise 'retries'")
    assert result.count("GetSessionToken") == 2


def test_an_unreachable_endpoint(ansible, world):
    options = {**mfa(world), "endpoint_url": "http://127.0.0.1:9", "retries": 0}
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", options)
    assert_one_clean_line(result, "GetSessionToken could not reach AWS: .* Check endpoint_url, region and the network")


def test_a_code_that_never_reached_aws_can_be_sent_once_the_cause_is_fixed(ansible, world):
    code = world.totp()
    unreachable = {**mfa(world, code), "endpoint_url": "http://127.0.0.1:9", "retries": 0}
    run_one(ansible, world, "mfa.aws.sts_mfa_session", unreachable).assert_failed(match="could not reach AWS")
    world.emulator.inject_throttling(1)
    throttled = run_one(ansible, world, "mfa.aws.sts_mfa_session", {**mfa(world, code), "retries": 0})
    throttled.assert_failed(match="throttled")
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, code)).assert_ok()
    assert [call.outcome for call in result.calls if call.coded] == ["ok"]


def test_awss_error_keeps_its_traceback_where_ansible_shows_tracebacks(ansible, world):
    """As a module's: ansible-core up to 2.18 shows it at -vvv, 2.19 and later with ANSIBLE_DISPLAY_TRACEBACK=error."""
    wrong = [f"{(int(world.totp()) + shift) % 1000000:06d}" for shift in (500000, 600000)]
    quiet = run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, wrong[0]))
    assert quiet.count(coded=True) == 1
    assert "Traceback" not in quiet.output and "ClientError" not in quiet.output
    shown = {"ANSIBLE_DISPLAY_TRACEBACK": "error"}
    loud = run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, wrong[1]), verbosity=3, env=shown)
    assert loud.count(coded=True) == 1
    assert "Traceback (most recent call last)" in loud.output and "botocore.exceptions.ClientError" in loud.output
    assert world.secret_access_key not in loud.output


def test_a_code_refused_with_a_validation_error_is_kept_spent(ansible, world):
    # AWS's documentation does not say whether it checks DurationSeconds before or after the code: the code
    # may be spent, so it is never sent again; the next code is asked for.
    role = world.roles["admin"]
    code = world.totp()
    options = {**mfa(world, code), "role_arn": role.arn, "duration_seconds": role.max_session_duration + 3600}
    result = run_one(ansible, world, "mfa.aws.sts_mfa_assume_role", options)
    assert_one_clean_line(result, r"AssumeRole refused a parameter\. AWS said: ValidationError")
    fixed = {**options, "duration_seconds": 3600}
    again = run_one(ansible, world, "mfa.aws.sts_mfa_assume_role", fixed)
    assert_one_clean_line(again, r"ValidationError")
    assert again.count("AssumeRole", coded=True) == 0
