"""Where to call AWS and as whom: options checked before any call, signers found as botocore finds them."""

import json

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import SESSION_OPTIONS

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def connection(**options):
    return Connection.from_params(SESSION_OPTIONS.validate(options))


def test_options_become_a_connection_and_unset_ones_stay_unset():
    made = connection(region="eu-west-1", endpoint_url="http://127.0.0.1:5000", retries=0, read_timeout=600)
    assert made == Connection(region="eu-west-1", endpoint_url="http://127.0.0.1:5000", retries=0, read_timeout=600)
    assert connection() == Connection()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"retries": 21}, "retries: must be a whole number from 0 to 20"),
        ({"retries": -1}, "retries: must be a whole number from 0 to 20"),
        ({"read_timeout": 0}, "read_timeout: must be a whole number of seconds from 1 to 600"),
        ({"read_timeout": 601}, "read_timeout: must be a whole number of seconds from 1 to 600"),
        ({"endpoint_url": "sts.amazonaws.com"}, "endpoint_url: must start with https://"),
        ({"endpoint_url": "https://bad host"}, "endpoint_url: 'https://bad host' is not a URL with a valid host name"),
        ({"region": "eu west 1"}, "region: 'eu west 1' is not a region name such as eu-west-1"),
    ],
)
def test_what_botocore_would_refuse_later_is_refused_now(options, message):
    with pytest.raises(MfaAwsError, match=f"^{message}"):
        connection(**options)


def test_a_boolean_is_not_a_number_of_retries():
    params = {**SESSION_OPTIONS.validate({}), "retries": True}
    with pytest.raises(MfaAwsError, match=r"^retries: "):
        Connection.from_params(params)


def test_other_credentials_keep_the_endpoint_and_region_and_drop_the_profile():
    base = Connection(profile="alice", region="eu-west-1", endpoint_url="http://127.0.0.1:5000")
    moved = base.with_credentials(Credentials("ASIAEXAMPLE", SECRET, "token"))
    assert (moved.access_key, moved.secret_key, moved.session_token, moved.profile) == (
        "ASIAEXAMPLE",
        SECRET,
        "token",
        None,
    )
    assert (moved.region, moved.endpoint_url) == ("eu-west-1", "http://127.0.0.1:5000")


def test_credentials_with_a_session_token_are_temporary():
    assert Credentials("ASIAEXAMPLE", SECRET, "token").is_temporary
    assert not Credentials("AKIAEXAMPLE", SECRET).is_temporary


def test_the_options_keys_sign_first(aws_files, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
    assert connection(access_key="AKIAOPTIONS", secret_key=SECRET).source_credentials() == Credentials(
        "AKIAOPTIONS", SECRET
    )
    assert connection().source_credentials() == Credentials("AKIAENVIRONMENT", "from-the-environment")


def test_a_profiles_static_keys_are_read_from_the_files(aws_files):
    aws_files.write(credentials=f"[alice]\naws_access_key_id = AKIAALICE\naws_secret_access_key = {SECRET}\n")
    assert connection(profile="alice").source_credentials() == Credentials("AKIAALICE", SECRET)


def test_keys_botocore_fetches_come_from_botocores_chain(aws_files, tmp_path):
    # A credential_process profile: botocore runs the command, no network needed.
    document = {"Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": SECRET, "SessionToken": "tok"}
    command = tmp_path / "print-credentials"
    command.write_text(f"#!/bin/sh\necho '{json.dumps(document)}'\n")
    command.chmod(0o700)
    aws_files.write(config=f"[profile proc]\ncredential_process = {command}\n")
    assert connection(profile="proc").source_credentials() == Credentials("ASIAPROCESS", SECRET, "tok")


def test_no_keys_anywhere_is_one_line(aws_files):
    with pytest.raises(MfaAwsError, match=r"^No AWS credentials were found"):
        connection().source_credentials()


def test_a_missing_profile_is_one_line(aws_files):
    with pytest.raises(MfaAwsError, match=r"^profile: 'nosuch' is in neither"):
        connection(profile="nosuch").botocore_profile_settings()


def test_a_client_is_made_for_the_region_and_endpoint_and_shared(aws_files):
    base = connection(access_key="AKIAOPTIONS", secret_key=SECRET, endpoint_url="http://127.0.0.1:5000")
    client = base.client("sts")
    assert client.meta.region_name == "us-east-1"  # STS's global endpoint's region, when none is set
    assert client.meta.endpoint_url == "http://127.0.0.1:5000"
    assert base.client("sts") is client
    assert base.client("s3", region="eu-west-1").meta.region_name == "eu-west-1"
    assert base.client("sts", Credentials("ASIAOTHER", SECRET, "tok")) is not client
