"""AWS's refusals end in one line that says what to do, never a traceback."""

import contextlib
import re
import socket

import pytest

from tests.playbooks.plays import mfa, play, task, with_credentials
from tests.reliability.support import assert_clean_success, assert_one_clean_line, cli_cache, closed_port


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
    assert_one_clean_line(
        result,
        "GetSessionToken was not called: the MFA code given \\(mfa_token\\) was sent to AWS at .* UTC and AWS accepts a "
        "code once; with cache: false, the MFA session it bought is kept for no other task",
    )
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


# The session's cases of tests/reliability/test_faults.py, which has the role's, the lookup's and S3's.
def test_throttling_is_retried_then_succeeds(ansible, world):
    world.emulator.inject_throttling(2)
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", {**mfa(world), "retries": 2})
    assert_clean_success(result, cli_cache(ansible))
    outcomes = [call.outcome for call in result.calls if call.action == "GetSessionToken"]
    assert outcomes == ["Throttling", "Throttling", "ok"]
    # Throttled requests never reach the MFA check, so the code still buys the session on the third try.
    assert result.count("GetSessionToken", coded=True) == 3


def test_throttling_beyond_the_retries(ansible, world):
    world.emulator.inject_throttling(3)
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", {**mfa(world), "retries": 1})
    assert_one_clean_line(
        result, "GetSessionToken was throttled by AWS even after retrying: raise 'retries'", cli_cache(ansible)
    )
    assert [call.outcome for call in result.calls] == ["Throttling", "Throttling"]


def test_an_unreachable_endpoint(ansible, world):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", {**mfa(world), "endpoint_url": endpoint, "retries": 1})
    message = assert_one_clean_line(
        result, "GetSessionToken could not reach AWS: .* Check endpoint_url, region and the network", cli_cache(ansible)
    )
    assert endpoint in message
    assert result.calls == []


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


@pytest.mark.smoke
def test_a_lookups_failure_is_said_once(ansible, world):
    """ansible-core 2.19 and later append an error's causes to its message: the line must not come back twice,
    nor botocore's own wording of AWS's answer after it."""
    wrong = f"{(int(world.totp()) + 500000) % 1000000:06d}"
    steps = play(
        "    - name: The lookup with a wrong code\n"
        "      ansible.builtin.set_fact:\n"
        f"        creds: \"{{{{ lookup('mfa.aws.mfa_session', mfa_serial_number='{world.mfa_serial}', "
        f"mfa_token='{wrong}') }}}}\"\n"
    )
    result = ansible.run(steps, world=world)
    message = assert_one_clean_line(result, "GetSessionToken refused the MFA code")
    assert message.count("GetSessionToken refused the MFA code") == 1, message
    assert "An error occurred (AccessDenied)" not in message, message
    assert result.count("GetSessionToken", coded=True) == 1


def test_a_region_aws_does_not_have_is_named_with_where_it_came_from(ansible, world):
    code = world.totp()
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, code), env={"AWS_DEFAULT_REGION": "eu-west1"})
    assert_one_clean_line(
        result,
        r"GetSessionToken was signed for region 'eu-west1' \(from AWS_DEFAULT_REGION\), which AWS does not have: "
        r"set region, AWS_DEFAULT_REGION or the profile's region to one of AWS's region names, such as eu-west-1\. "
        r"AWS said: SignatureDoesNotMatch: Credential should be scoped to a valid region, not 'eu-west1'\.",
    )
    # AWS checks the signature before the code: the same code still buys the session.
    run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, code)).assert_ok()


def test_a_region_option_aws_does_not_have_is_named_in_a_lookup(ansible, world):
    steps = play(
        "    - name: The lookup in a region AWS does not have\n"
        "      ansible.builtin.set_fact:\n"
        f"        creds: \"{{{{ lookup('mfa.aws.mfa_session', mfa_serial_number='{world.mfa_serial}', "
        f"mfa_token='{world.totp()}', region='us-east1') }}}}\"\n"
    )
    message = assert_one_clean_line(ansible.run(steps, world=world), r"GetSessionToken was signed for region 'us-east1' "
                                    r"\(from the region option\), which AWS does not have")
    assert message.count("which AWS does not have") == 1


@pytest.mark.parametrize("where", ["environment", "profile"])
def test_a_region_aws_does_not_have_is_refused_before_any_call_to_aws_itself(ansible, world, where):
    """With AWS's own endpoints, botocore would send to sts.eu-west1.amazonaws.com, a host that does not exist:
    the region is refused before any call. (Without AWS_ENDPOINT_URL nothing reaches the emulator either way.)"""
    env = {"AWS_ENDPOINT_URL": None}
    if where == "environment":
        env["AWS_DEFAULT_REGION"] = "eu-west1"
        source = r"AWS_DEFAULT_REGION"
    else:
        env["AWS_DEFAULT_REGION"] = None
        ansible.sandbox.aws_config_file.write_text("[default]\nregion = eu-west1\n", encoding="utf-8")
        source = rf"the region of profile default in {re.escape(str(ansible.sandbox.aws_config_file))}"
    code = world.totp()
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", {**mfa(world, code), "retries": 0}, env=env)
    assert_one_clean_line(
        result,
        rf"region: 'eu-west1' \(from {source}\) is not a region AWS has; AWS's region names look like eu-west-1 or "
        r"us-gov-west-1: set region, AWS_DEFAULT_REGION or the profile's region to one\. Nothing was sent to AWS\.",
    )
    # The code was not recorded as spent: with the emulator's endpoint back, it buys the session.
    ansible.sandbox.aws_config_file.write_text("", encoding="utf-8")
    run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, code)).assert_ok()


@pytest.mark.parametrize("named_by", ["option", "environment"])
def test_a_missing_profile_names_the_files_read_and_the_profiles_there(ansible, world, named_by):
    sandbox = ansible.sandbox
    sandbox.aws_config_file.write_text("[profile alice]\nregion = us-east-1\n", encoding="utf-8")
    sandbox.aws_credentials_file.write_text("", encoding="utf-8")
    options, env = mfa(world), {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    if named_by == "option":
        options["profile"], origin = "nosuch", ""
    else:
        env["AWS_PROFILE"], origin = "nosuch", " (from AWS_PROFILE)"
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", options, env=env)
    message = assert_one_clean_line(
        result,
        re.escape(
            f"profile: 'nosuch'{origin} is in neither {sandbox.aws_config_file} (AWS_CONFIG_FILE) nor "
            f"{sandbox.aws_credentials_file} (AWS_SHARED_CREDENTIALS_FILE); the profiles there are alice. "
            "Add it (aws configure --profile nosuch), or name one of those."
        ),
    )
    assert "could not load" not in message
    assert result.calls == []


def test_no_credentials_at_all_says_where_they_may_come_from(ansible, world):
    env = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    result = run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world), env=env)
    assert_one_clean_line(
        result,
        re.escape(
            "No AWS credentials were found: set access_key and secret_key, or a profile, or the environment "
            "variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE."
        ),
    )
    assert result.calls == []


def test_a_session_token_that_does_not_go_with_the_keys(ansible, world):
    session = task("mfa.aws.sts_mfa_session", mfa(world), register="session")
    mixed = {
        "access_key": world.access_key_id,
        "secret_key": world.secret_access_key,
        "session_token": "{{ session.credentials.session_token }}",
    }
    result = ansible.run(play(session, task("mfa.aws.s3_bucket_list", mixed)), world=world)
    assert_one_clean_line(
        result,
        r"ListBuckets was refused because the session token does not go with the access key that signed the call: "
        r"give access_key, secret_key and session_token from one set of temporary credentials .* AWS said: "
        r"InvalidToken: The provided token is malformed or otherwise invalid\.",
    )


@contextlib.contextmanager
def endpoint_that_never_answers():
    """A local port whose connections never complete: its one-place accept queue is kept full, so Linux drops
    every further SYN, as a firewall that drops does."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket(), socket.socket(), socket.socket()]
        try:
            for filler in fillers:
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
            yield f"http://127.0.0.1:{port}"
        finally:
            for filler in fillers:
                filler.close()


def test_an_endpoint_that_never_answers_leaves_the_code_good(ansible, world):
    code = world.totp()
    with endpoint_that_never_answers() as endpoint:
        options = {**mfa(world, code), "endpoint_url": endpoint, "retries": 0}
        result = run_one(ansible, world, "mfa.aws.sts_mfa_session", options)
    assert_one_clean_line(
        result, r"GetSessionToken could not reach AWS: Connect timeout on endpoint URL: .* Check endpoint_url"
    )
    # No connection, so nothing was sent: the code still buys the session.
    run_one(ansible, world, "mfa.aws.sts_mfa_session", mfa(world, code)).assert_ok()


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
