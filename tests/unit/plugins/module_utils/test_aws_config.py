"""Static keys read without botocore are the keys botocore's own chain finds; anything else is left to botocore."""

import botocore.session
import pytest

from ansible_collections.mfa.aws.plugins.module_utils._aws_config import static_keys

CONFIG = """
[default]
region = eu-west-1

[profile keys-in-config]
aws_access_key_id = AKIACONFIG0000000001
aws_secret_access_key = config-secret

[profile both]
aws_access_key_id = AKIACONFIG0000000002
aws_secret_access_key = loses-to-credentials

[profile role]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = alice

[profile process]
credential_process = /bin/false
"""

CREDENTIALS = """
[default]
aws_access_key_id = AKIADEFAULT000000001
aws_secret_access_key = default-secret

[alice]
aws_access_key_id = AKIAALICE00000000001
aws_secret_access_key = alice-secret
aws_session_token = alice-token

[both]
aws_access_key_id = AKIACREDENTIALS00002
aws_secret_access_key = wins

[process]
"""


@pytest.fixture
def files(aws_files, monkeypatch):
    aws_files.write(CONFIG, CREDENTIALS)
    return monkeypatch


def botocore_keys(profile):
    found = botocore.session.Session(profile=profile).get_credentials()
    frozen = found.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token


@pytest.mark.parametrize("profile", [None, "default", "keys-in-config", "both", "alice"])
def test_static_keys_are_botocores(files, profile):
    assert static_keys(profile) == botocore_keys(profile)


@pytest.mark.parametrize(
    "environment",
    [
        {"AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT00001", "AWS_SECRET_ACCESS_KEY": "env-secret"},
        {"AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT00001", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"},
        {"AWS_PROFILE": "alice"},
        {"AWS_PROFILE": "alice", "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT00001", "AWS_SECRET_ACCESS_KEY": "s"},
    ],
)
def test_the_environment_as_botocore_reads_it(files, environment):
    for name, value in environment.items():
        files.setenv(name, value)
    assert static_keys(None) == botocore_keys(None)


def test_a_named_profile_outranks_the_environments_keys(files):
    files.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
    files.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    assert static_keys("alice") == botocore_keys("alice")


@pytest.mark.parametrize("profile", ["role", "process", "missing"])
def test_what_botocore_would_fetch_is_left_to_botocore(files, profile):
    assert static_keys(profile) is None


def test_half_a_pair_in_the_environment_is_left_to_botocore(files):
    files.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
    assert static_keys(None) is None


def test_an_unparsable_file_is_left_to_botocore(files, aws_files):
    aws_files.credentials.write_text("[alice\naws_access_key_id = x\n")
    assert static_keys("alice") is None
