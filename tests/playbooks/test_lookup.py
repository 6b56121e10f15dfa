"""The lookup: one STS call per code at any number of hosts and forks, reused across runs, shared with the CLI."""

import json

import botocore.session
import pytest
from botocore.credentials import JSONFileCache

from tests.playbooks.plays import lookup_play, mfa_role


@pytest.mark.smoke
def test_twenty_hosts_ten_forks_one_call(ansible, world):
    role = mfa_role(world)
    playbook = lookup_play(role.arn, mfa_serial_number=world.mfa_serial, mfa_token=world.totp())
    result = ansible.run(playbook, world=world, hosts=20, forks=10).assert_ok()
    # One code, one MFA session bought with it, and one role assumed with the session.
    assert result.count() == 2
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole", coded=False) == 1
    seen = {tuple(result.json(f"host{index:02d}")) for index in range(1, 21)}
    assert len(seen) == 1


def test_a_rerun_needs_no_code_and_makes_no_call(ansible, world):
    role = mfa_role(world)
    first = lookup_play(role.arn, mfa_serial_number=world.mfa_serial, mfa_token=world.totp(), tasks=1)
    ansible.run(first, world=world, hosts=2).assert_ok()
    again = lookup_play(role.arn, mfa_serial_number=world.mfa_serial, tasks=1)
    result = ansible.run(again, world=world, hosts=2).assert_ok()
    assert result.count() == 0


def test_no_code_and_nothing_cached(ansible, world):
    role = mfa_role(world)
    result = ansible.run(lookup_play(role.arn, mfa_serial_number=world.mfa_serial, tasks=1, hosts="localhost"), world=world)
    result.assert_failed(
        match=r"AssumeRole needs an MFA code and no cached credentials are left, and there is no terminal to ask on: "
        r"set mfa_token.*-e mfa_code="
    )
    assert result.calls == []


@pytest.mark.smoke
def test_several_roles_one_code(ansible, world):
    roles = list(world.roles.values())
    playbook = f"""
- hosts: all
  gather_facts: false
  tasks:
    - name: Open every role
      mfa_aws_test_save:
        value: "{{{{ query('mfa.aws.mfa_assume_role', *arns, mfa_serial_number=serial, mfa_token=code) | to_json }}}}"
        dest: "{{{{ lookup('ansible.builtin.env', 'MFA_AWS_TEST_RESULTS') }}}}/{{{{ inventory_hostname }}}}.json"
      vars:
        arns: {json.dumps([role.arn for role in roles])}
        serial: {world.mfa_serial}
        code: "{world.totp()}"
"""
    result = ansible.run(playbook, world=world, hosts=4, forks=4).assert_ok()
    assert result.count(coded=True) == 1
    assert result.count("GetSessionToken", coded=True) == 1
    assert result.count("AssumeRole", coded=False) == len(roles)
    credentials = result.json("host01")
    assert len(credentials) == len(roles)
    assert all(result.json(f"host{index:02d}") == credentials for index in range(2, 5))


def write_role_profile(ansible, world, role):
    ansible.sandbox.aws_credentials_file.write_text(
        f"[user]\naws_access_key_id = {world.access_key_id}\naws_secret_access_key = {world.secret_access_key}\n"
    )
    ansible.sandbox.aws_config_file.write_text(
        f"[profile admin]\nrole_arn = {role.arn}\nsource_profile = user\nmfa_serial = {world.mfa_serial}\n"
        f"region = {world.region}\n"
    )


def botocore_session(ansible, world, prompter):
    """What the aws CLI does for `--profile admin`: botocore's assume-role provider with the CLI's cache."""
    session = botocore.session.Session(profile="admin")
    session.set_config_variable("config_file", str(ansible.sandbox.aws_config_file))
    session.set_config_variable("credentials_file", str(ansible.sandbox.aws_credentials_file))
    provider = session.get_component("credential_provider").get_provider("assume-role")
    provider.cache = JSONFileCache(str(ansible.sandbox.aws_dir / "cli" / "cache"))
    provider._prompter = prompter
    return session


def test_the_aws_cli_reads_what_the_lookup_wrote(ansible, world, monkeypatch):
    role = mfa_role(world)
    write_role_profile(ansible, world, role)
    playbook = lookup_play(profile="admin", mfa_token=world.totp(), tasks=1, hosts="localhost")
    result = ansible.run(playbook, world=world).assert_ok()
    lookup_key = result.json("localhost")[0]

    def no_prompt(prompt):
        raise AssertionError("the CLI asked for a code: it did not find the lookup's session")

    monkeypatch.setenv("AWS_ENDPOINT_URL", world.emulator.endpoint_url)
    credentials = botocore_session(ansible, world, no_prompt).get_credentials().get_frozen_credentials()
    assert credentials.access_key == lookup_key


def test_the_lookup_reads_what_the_aws_cli_wrote(ansible, world, monkeypatch):
    role = mfa_role(world)
    write_role_profile(ansible, world, role)
    monkeypatch.setenv("AWS_ENDPOINT_URL", world.emulator.endpoint_url)
    code = world.totp()
    cli_key = botocore_session(ansible, world, lambda prompt: code).get_credentials().get_frozen_credentials().access_key
    result = ansible.run(lookup_play(profile="admin", tasks=1, hosts="localhost"), world=world).assert_ok()
    assert result.json("localhost")[0] == cli_key
    assert result.count() == 0


def cached_secrets(ansible):
    """The secret keys and session tokens the run bought, read back from the cache it wrote."""
    secrets = set()
    for path in (ansible.sandbox.aws_dir / "cli" / "cache").glob("*.json"):
        entry = json.loads(path.read_text())
        if isinstance(entry, dict) and "Credentials" in entry:
            secrets |= {entry["Credentials"]["SecretAccessKey"], entry["Credentials"]["SessionToken"]}
    return secrets


def test_the_documented_loop_over_roles_labels_each_item_with_its_role(ansible, world):
    """The lookup's EXAMPLES, as written: without its label, Ansible prints each item, secret key included."""
    import yaml

    from ansible_collections.mfa.aws.plugins.lookup import mfa_assume_role

    example = next(step for step in yaml.safe_load(mfa_assume_role.EXAMPLES) if step["name"] == "Ten accounts, one code")
    playbook = yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [example]}], sort_keys=False)
    roles = list(world.roles.values())
    extra_vars = {"role_arns": [role.arn for role in roles], "mfa_serial": world.mfa_serial, "mfa_code": world.totp()}
    result = ansible.run(playbook, world=world, extra_vars=extra_vars).assert_ok()
    for role in roles:
        assert f"ok: [localhost] => (item={role.arn})" in result.stdout, result.stdout
    secrets = cached_secrets(ansible)
    assert secrets and not [secret for secret in secrets if secret in result.output]
