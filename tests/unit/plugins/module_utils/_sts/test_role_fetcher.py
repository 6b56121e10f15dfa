"""AssumeRole's rules, with no call: which entries may serve a request (its signer, its endpoint, the aws CLI's
own), when a role is bought through the MFA session, and what is refused before a code is spent."""

from __future__ import annotations

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import RoleRequest, signer_digest
from ansible_collections.mfa.aws.plugins.module_utils._sts.role_fetcher import ENDPOINT_FIELD, SIGNER_FIELD, RoleFetcher

ROLE = "arn:aws:iam::222222222222:role/Admin"
SERIAL = "arn:aws:iam::111111111111:mfa/alice"
USER = Credentials("AKIAUSER", "user-secret")
OTHER_USER = Credentials("AKIAOTHER", "other-secret")
SESSION = Credentials("ASIASESSION", "session-secret", "token")


@pytest.fixture(autouse=True)
def no_ambient_configuration(monkeypatch, tmp_path):
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def request(**options) -> RoleRequest:
    return RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({"role_arn": ROLE, **options}))


def fetcher(signer=USER, **options) -> RoleFetcher:
    return RoleFetcher(request(**options), signer, None)


def entry(**fields):
    return {
        "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2099-01-01Z"},
        **fields,
    }


def ours(signer=USER, endpoint="aws:aws"):
    return entry(**{SIGNER_FIELD: signer_digest(signer), ENDPOINT_FIELD: endpoint})


def test_an_entry_of_ours_serves_its_signer_at_its_endpoint_only():
    role = fetcher(mfa_serial_number=SERIAL)
    assert role.may_serve(ours())
    assert not role.may_serve(ours(signer=OTHER_USER))
    assert not role.may_serve(ours(endpoint="http://127.0.0.1:5000"))
    assert not role.may_serve(entry(**{SIGNER_FIELD: signer_digest(USER)}))  # written before entries named endpoints


def test_the_endpoint_an_entry_names_is_the_one_the_request_resolves(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/")
    assert fetcher().may_serve(ours(endpoint="http://127.0.0.1:5000"))
    assert fetcher(endpoint_url="http://localhost:5000").may_serve(ours(endpoint="http://localhost:5000"))
    assert not fetcher(endpoint_url="http://localhost:5000").may_serve(ours(endpoint="http://127.0.0.1:5000"))


def test_the_partition_is_part_of_the_endpoint():
    assert fetcher(region="cn-north-1").may_serve(ours(endpoint="aws:aws-cn"))
    assert not fetcher(region="cn-north-1").may_serve(ours(endpoint="aws:aws"))
    assert fetcher(region="eu-west-1").may_serve(ours(endpoint="aws:aws"))


def test_the_aws_clis_entry_serves_a_request_naming_the_device():
    cli = entry()  # names neither signer nor endpoint
    assert fetcher(mfa_serial_number=SERIAL).may_serve(cli)
    assert fetcher(signer=OTHER_USER, mfa_serial_number=SERIAL).may_serve(cli)  # the device names the user


def test_the_aws_clis_entry_does_not_serve_a_request_without_a_device():
    assert not fetcher().may_serve(entry())


def test_the_aws_clis_entry_does_not_serve_a_request_naming_its_own_endpoint():
    assert not fetcher(mfa_serial_number=SERIAL, endpoint_url="http://127.0.0.1:5000").may_serve(entry())


def test_the_device_is_part_of_the_key_as_the_cli_computes_it():
    with_device, without = request(mfa_serial_number=SERIAL), request()
    assert with_device.cache_key != without.cache_key
    assert with_device.cache_key != request(mfa_serial_number="arn:aws:iam::111111111111:mfa/bob").cache_key


@pytest.mark.parametrize(
    ("signer", "options", "through_session"),
    [
        (USER, {"mfa_serial_number": SERIAL}, True),
        (USER, {"mfa_serial_number": SERIAL, "duration_seconds": 3600}, True),
        (USER, {"mfa_serial_number": SERIAL, "duration_seconds": 3601}, False),
        (SESSION, {"mfa_serial_number": SERIAL}, False),
        (USER, {}, False),
    ],
)
def test_a_role_is_bought_through_the_mfa_session_when_a_device_and_long_term_keys_ask_an_hour_or_less(
    signer, options, through_session
):
    role = fetcher(signer=signer, **options)
    assert (role.session is not None) == through_session
    if role.session is not None:
        assert role.session.request.identify is False
        assert role.session.request.code.serial == SERIAL
        assert role.session.asked_for == "AssumeRole"


def test_the_session_lasts_what_session_duration_seconds_asks():
    role = fetcher(mfa_serial_number=SERIAL, session_duration_seconds=129600)
    assert role.session.request.duration == 129600
    with pytest.raises(MfaAwsError, match="session_duration_seconds"):
        request(mfa_serial_number=SERIAL, session_duration_seconds=129601)


def test_over_an_hour_with_temporary_credentials_is_refused_before_any_call():
    with pytest.raises(MfaAwsError, match="over AWS's limit of 3600 for a role assumed with temporary credentials"):
        fetcher(signer=SESSION, duration_seconds=3601).precheck()
    fetcher(signer=SESSION, duration_seconds=3600).precheck()
    fetcher(signer=USER, duration_seconds=43200).precheck()


def test_a_miss_takes_the_devices_lock_when_it_spends_a_code_else_the_roles():
    direct = fetcher(mfa_serial_number=SERIAL, duration_seconds=7200)
    through = fetcher(mfa_serial_number=SERIAL)
    plain = fetcher()
    assert direct.lock_name() == through.session.lock_name()  # one lock per device
    assert through.lock_name() != direct.lock_name()
    assert plain.lock_name() not in (direct.lock_name(), through.lock_name())
