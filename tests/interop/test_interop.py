"""The credentials at work outside the collection: amazon.aws modules, the aws CLI, and a named profile."""

import configparser
import json
import stat
import sysconfig

from tests.playbooks.plays import mfa, play, task

SESSION = "mfa.aws.sts_mfa_session"


def with_installed_collections(ansible):
    """The sandbox sees only mfa.aws; amazon.aws comes with the `ansible` package, in site-packages."""
    return {"ANSIBLE_COLLECTIONS_PATH": f"{ansible.collections.root}:{sysconfig.get_paths()['purelib']}"}


def test_amazon_aws_modules_take_the_fact_as_it_is(ansible, world):
    playbook = play(
        task(SESSION, mfa(world)),
        """    - name: amazon.aws lists the buckets with the fact's keys, named as it names its options
      amazon.aws.s3_bucket_info:
        access_key: "{{ aws_mfa_session.access_key }}"
        secret_key: "{{ aws_mfa_session.secret_key }}"
        session_token: "{{ aws_mfa_session.session_token }}"
      register: info
""",
        save=("info",),
    )
    result = ansible.run(playbook, world=world, env=with_installed_collections(ansible)).assert_ok()
    names = sorted(bucket["name"] for bucket in result.json("localhost-info")["buckets"])
    assert names == sorted(world.buckets)
    assert result.count("GetSessionToken", coded=True) == 1


def test_the_aws_cli_runs_with_the_environment_form(ansible, world):
    playbook = play(
        task(SESSION, mfa(world), "session"),
        """    - name: The aws CLI with the session's environment variables
      ansible.builtin.command: aws sts get-caller-identity --output json
      environment: "{{ session.environment }}"
      changed_when: false
      register: caller
    - name: And its buckets
      ansible.builtin.command: aws s3api list-buckets --output json
      environment: "{{ session.environment }}"
      changed_when: false
      register: listing
""",
        save=("caller", "listing"),
    )
    result = ansible.run(playbook, world=world).assert_ok()
    caller = json.loads(result.json("localhost-caller")["stdout"])
    assert caller["Arn"] == world.user_arn
    listed = json.loads(result.json("localhost-listing")["stdout"])
    assert sorted(bucket["Name"] for bucket in listed["Buckets"]) == sorted(world.buckets)


def test_write_profile_puts_the_session_where_other_tools_find_it(ansible, world):
    credentials = ansible.sandbox.aws_credentials_file
    credentials.write_text("[keep]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = secret\n")
    options = {**mfa(world), "write_profile": "mfa"}
    playbook = play(
        task(SESSION, options, "session"),
        """    - name: The aws CLI with the written profile
      ansible.builtin.command: aws --profile mfa s3api list-buckets --output json
      environment:
        AWS_ACCESS_KEY_ID: ""
        AWS_SECRET_ACCESS_KEY: ""
      changed_when: false
      register: listing
""",
        save=("session", "listing"),
    )
    result = ansible.run(playbook, world=world).assert_ok()
    session = result.json("localhost-session")
    assert session["changed"] is True
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    parser = configparser.RawConfigParser()
    parser.read(credentials)
    assert parser.get("mfa", "aws_session_token") == session["credentials"]["session_token"]
    assert parser.get("keep", "aws_access_key_id") == "AKIAKEEPME"
    listed = json.loads(result.json("localhost-listing")["stdout"])
    assert sorted(bucket["Name"] for bucket in listed["Buckets"]) == sorted(world.buckets)


def test_write_profile_never_overwrites_long_term_keys(ansible, world):
    credentials = ansible.sandbox.aws_credentials_file
    credentials.write_text("[work]\naws_access_key_id = AKIAKEEPME\naws_secret_access_key = secret\n")
    result = ansible.run(play(task(SESSION, {**mfa(world), "write_profile": "work"})), world=world)
    result.assert_failed(match=r"write_profile: profile work in .* holds long-term keys, which would be lost")
    assert result.calls == []
    assert "AKIAKEEPME" in credentials.read_text()


def test_write_profile_in_check_mode_writes_nothing(ansible, world):
    credentials = ansible.sandbox.aws_credentials_file
    result = ansible.run(
        play(task(SESSION, {**mfa(world), "write_profile": "mfa"}, "session"), save=("session",)),
        world=world,
        check=True,
    ).assert_ok()
    assert result.json("localhost-session")["changed"] is True
    assert not credentials.exists()
