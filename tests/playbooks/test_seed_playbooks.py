"""The seed documents' scenarios, run from the shipped playbooks with -e mfa_code=..."""

import re

import pytest

from tests.harness import REPO_ROOT
from tests.playbooks.plays import mfa_role

PLAYBOOKS = REPO_ROOT / "playbooks"


def run_seed(ansible, world, name, verbosity=0, **extra_vars):
    return ansible.run(
        PLAYBOOKS / name,
        world=world,
        verbosity=verbosity,
        extra_vars={"mfa_code": world.totp(), "mfa_serial": world.mfa_serial, **extra_vars},
    )


@pytest.mark.smoke
def test_session_then_every_bucket_of_the_account(ansible, world):
    result = run_seed(ansible, world, "session_list_buckets.yml").assert_ok()
    assert f"Caller: {world.user_arn} (account {world.account_id})" in result.stdout
    names = sorted(world.buckets)
    assert f"Buckets ({len(names)}): {', '.join(names)}" in result.stdout
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole") == 0


@pytest.mark.smoke
def test_assume_role_with_mfa_then_the_other_accounts_buckets(ansible, world):
    role = mfa_role(world)
    result = run_seed(ansible, world, "assume_role_list_buckets.yml", role_arn=role.arn, session_name="seed").assert_ok()
    assert f"Assumed role caller: arn:aws:sts::{role.account_id}:assumed-role/{role.name}/seed" in result.stdout
    names = sorted(role.buckets)
    assert f"Buckets ({len(names)}): {', '.join(names)}" in result.stdout
    # The code buys an MFA session, whose credentials assume the role (and renew it later, without a code).
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole", coded=False) == 1
    assert result.count() == 2


def test_one_code_opens_every_account(ansible, world):
    roles = list(world.roles.values())
    result = run_seed(ansible, world, "multi_account.yml", role_arns=[role.arn for role in roles]).assert_ok()
    for role in roles:
        assert f"{role.account_id}: {', '.join(sorted(role.buckets))}" in result.stdout
        # The loops over credentials name each role, never a secret.
        assert f"(item=arn:aws:sts::{role.account_id}:assumed-role/{role.name}/" in result.stdout
    secrets = ansible.sandbox.cached_secrets()
    assert secrets and not [secret for secret in secrets if secret in result.output]
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole", coded=False) == len(roles)
    assert result.count(coded=True) == 1


@pytest.mark.smoke
def test_no_secret_in_the_output_at_vvvv(ansible, world):
    role = mfa_role(world)
    code = world.totp()
    first = run_seed(ansible, world, "session_list_buckets.yml", verbosity=4, mfa_code=code).assert_ok()
    second_code = world.totp(steps=1)  # the device's next code: the first one is spent
    second = run_seed(
        ansible, world, "assume_role_list_buckets.yml", verbosity=4, role_arn=role.arn, mfa_code=second_code
    ).assert_ok()
    secrets = ansible.sandbox.cached_secrets()
    assert len(secrets) == 4  # a session's and a role's secret key and session token
    secrets |= {world.secret_access_key}
    for result, sent_code in ((first, code), (second, second_code)):
        assert "censored" in result.stdout  # the STS results were there, and hidden
        for secret in secrets:
            assert secret not in result.output
        # As a number on its own: a bare substring could match inside a temp dir's random digits.
        assert not re.search(rf"(?<![0-9]){sent_code}(?![0-9])", result.output)
