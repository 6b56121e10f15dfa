"""botocore sessions and clients as the collection makes them: one per profile and keys, configured once."""

import sys
from datetime import UTC, datetime

import botocore
import pytest
from botocore.utils import parse_timestamp

from ansible_collections.mfa.aws.plugins.module_utils import _botocore_clients
from ansible_collections.mfa.aws.plugins.module_utils._botocore_clients import (
    COLLECTION_VERSION,
    chain_credentials,
    client_for,
    parse_aws_timestamp,
    require_botocore,
    session_for,
)
from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection, Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

KEYS = Credentials("AKIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def test_botocore_is_returned_when_it_is_recent_enough():
    assert require_botocore() is botocore


def test_a_botocore_too_old_is_one_line_with_the_fix(monkeypatch):
    monkeypatch.setattr(botocore, "__version__", "1.35.41")
    with pytest.raises(
        MfaAwsError, match=r"^mfa\.aws needs botocore >= 1\.35\.42, found 1\.35\.41: pip install -U boto3$"
    ):
        require_botocore()


def test_no_botocore_is_one_line_with_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "botocore", None)  # import fails as if it were not installed
    with pytest.raises(
        MfaAwsError, match=r"^mfa\.aws needs botocore on the controller: pip install 'boto3>=1\.35\.42'$"
    ):
        require_botocore()


def test_a_client_without_botocore_is_one_line_with_the_fix(monkeypatch):
    # Keys given as options need no botocore to be read: the first thing that needs it is the call's client.
    monkeypatch.setattr(_botocore_clients, "_CLIENTS", {})
    for name in ("botocore", "botocore.config", "botocore.session"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MfaAwsError, match=r"^mfa\.aws needs botocore on the controller"):
        client_for(Connection(region="eu-west-1"), "sts", KEYS, None)


@pytest.mark.parametrize("value", ["2026-01-01T12:00:00.000Z", "2026-01-01T12:00:00Z", "2026-06-30T23:59:59.123Z"])
def test_awss_timestamps_are_read_as_botocore_reads_them(value):
    parsed = parse_aws_timestamp(value)
    assert parsed == parse_timestamp(value)
    assert parsed.tzinfo is not None and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("value", ["2026-01-01T12:00:00+02:00", "Thu, 01 Jan 2026 12:00:00 GMT", 1767268800])
def test_other_timestamps_go_to_botocores_parser(value):
    assert parse_aws_timestamp(value) == parse_timestamp(value)


def test_a_session_per_profile_is_made_once_and_names_the_collection(aws_files):
    aws_files.write(config="[profile alice]\nregion = eu-west-1\n")
    session = session_for("alice")
    assert session_for("alice") is session
    assert session_for(None) is not session
    assert session.user_agent_extra == f"mfa.aws/{COLLECTION_VERSION}"


def test_a_missing_profile_is_one_line_at_once(aws_files):
    with pytest.raises(
        MfaAwsError, match=r"^profile: 'nosuch' is in neither .*aws-config \(AWS_CONFIG_FILE\)"
    ):
        session_for("nosuch")


def test_no_credentials_in_botocores_chain_is_one_line(aws_files):
    with pytest.raises(MfaAwsError, match=r"^No AWS credentials were found") as raised:
        chain_credentials(None)
    assert "\n" not in str(raised.value)


def test_clients_have_standard_retries_the_timeouts_and_the_collections_user_agent(aws_files):
    connection = Connection(retries=2, read_timeout=7, endpoint_url="http://127.0.0.1:5000", validate_certs=False)
    client = client_for(connection, "sts", KEYS, None)
    config = client.meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    # The AWS SDKs' "standard" defaults mode (botocore's sdk-default-configuration): a dead endpoint is said soon.
    assert (config.read_timeout, config.connect_timeout) == (7, 3.1)
    assert f"mfa.aws/{COLLECTION_VERSION}" in config.user_agent_extra
    assert client.meta.region_name == _botocore_clients.FALLBACK_REGION == "us-east-1"
    assert client._endpoint.http_session._verify is False


def test_the_profiles_region_wins_over_the_fallback_and_the_callers_over_both(aws_files):
    aws_files.write(config="[profile alice]\nregion = eu-west-1\n")
    connection = Connection(profile="alice")
    assert client_for(connection, "sts", KEYS, None).meta.region_name == "eu-west-1"
    assert client_for(connection, "s3", KEYS, "ap-south-1").meta.region_name == "ap-south-1"
    assert client_for(connection._replace(region="us-west-2"), "sts", KEYS, None).meta.region_name == "us-west-2"


def test_one_client_per_service_region_and_keys(aws_files):
    connection = Connection()
    client = client_for(connection, "sts", KEYS, None)
    assert client_for(connection, "sts", KEYS, None) is client
    assert client_for(connection, "sts", KEYS._replace(session_token="token"), None) is not client
    assert client_for(connection._replace(retries=1), "sts", KEYS, None) is not client
    credentials = client._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == KEYS[:2]


def test_a_client_timestamps_are_parsed_by_the_collections_parser(aws_files):
    session = session_for(None)
    factory = session.get_component("response_parser_factory")
    assert factory._defaults["timestamp_parser"] is parse_aws_timestamp
    assert parse_aws_timestamp("2026-01-01T12:00:00.000Z") == datetime(2026, 1, 1, 12, tzinfo=UTC)
