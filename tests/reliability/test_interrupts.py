"""An STS call knows whether its coded request left for AWS (botocore's before-send event), which is what lets
a Ctrl-C before it leave the code unspent."""

from ansible_collections.mfa.aws.plugins.module_utils._specs import SESSION_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import SessionRequest
from ansible_collections.mfa.aws.plugins.module_utils._sts.session_fetcher import SessionFetcher


def test_a_coded_request_is_known_to_have_left(world, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL", world.emulator.endpoint_url)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    params = SESSION_OPTIONS.validate(
        {
            "access_key": world.access_key_id,
            "secret_key": world.secret_access_key,
            "mfa_serial_number": world.mfa_serial,
            "region": world.region,
        }
    )
    request = SessionRequest.from_params(params)
    fetcher = SessionFetcher(request, request.connection.source_credentials(), None)
    assert not fetcher.was_sent()
    fetcher.call(world.totp())
    assert fetcher.was_sent()
    assert world.calls(coded=True)
