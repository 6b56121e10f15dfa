"""The aws CLI's role entries and the collection's serve each other: the CLI keys a role
profile's entry by the role and the device, and a request naming the same role and device explicitly is the same
request; the collection writes its role entries under that key, also when it bought them through a session."""

import json

from tests.credential_process.terminal import run_on_terminal
from tests.harness.paths import BIN_DIR, PYTHON
from tests.lifetime.support import MINUTE
from tests.playbooks.plays import play, task
from tests.reliability.support import assert_clean_success, cli_cache

KEYS_IN_THE_PROFILE = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}


def write_profiles(ansible, world):
    ansible.sandbox.aws_credentials_file.write_text(
        f"[keys]\naws_access_key_id = {world.access_key_id}\naws_secret_access_key = {world.secret_access_key}\n",
        encoding="utf-8",
    )
    ansible.sandbox.aws_config_file.write_text(
        f"""[profile two]
role_arn = {world.roles["admin"].arn}
source_profile = keys
mfa_serial = {world.mfa_serial}
""",
        encoding="utf-8",
    )


def aws_s3_ls(profile):
    return [str(PYTHON), str(BIN_DIR / "aws"), "s3", "ls", "--profile", profile]


def explicit_lookup(world, code_option=""):
    expression = (
        f"lookup('mfa.aws.mfa_assume_role', '{world.roles['admin'].arn}', mfa_serial_number='{world.mfa_serial}'"
        f"{code_option})"
    )
    return play(task("ansible.builtin.set_fact", {"role": "{{ " + expression + " }}"}), save=("role",))


def test_the_cli_s_role_session_serves_a_lookup_naming_the_same_role_and_device(ansible, emulator, clock):
    world = emulator.build_world()
    write_profiles(ansible, world)
    env = ansible.environment(world=world, env=KEYS_IN_THE_PROFILE)
    listed = run_on_terminal(aws_s3_ls("two"), env, answer=world.totp)
    assert (listed.rc, listed.prompts) == (0, 1), listed.describe()
    assert [(call.action, call.coded) for call in world.calls()] == [("AssumeRole", True)]
    (entry,) = [json.loads(path.read_text()) for path in cli_cache(ansible).glob("*.json")]

    clock.advance(30 * MINUTE)
    result = assert_clean_success(ansible.run(explicit_lookup(world), world=world))
    assert result.calls == [], result.calls
    assert result.json("localhost-role")["access_key"] == entry["Credentials"]["AccessKeyId"]


def test_the_collection_s_role_entry_serves_the_cli(ansible, emulator, clock):
    world = emulator.build_world()
    write_profiles(ansible, world)
    bought = assert_clean_success(
        ansible.run(explicit_lookup(world, ", mfa_token=mfa_code"), world=world, extra_vars={"mfa_code": world.totp()})
    )
    access_key = bought.json("localhost-role")["access_key"]

    clock.advance(10 * MINUTE)
    calls = len(world.calls())
    env = ansible.environment(world=world, env=KEYS_IN_THE_PROFILE)
    listed = run_on_terminal(aws_s3_ls("two"), env)  # no one answers: a prompt ends the run
    assert (listed.rc, listed.prompts) == (0, 0), listed.describe()
    assert world.calls()[calls:] == []
    assert world.listings()[-1].access_key_id == access_key
