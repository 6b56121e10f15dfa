"""The typed requests, parsed from options the specs validated: where a code comes from, what each cache key binds
(the session's: its signer, device, duration and endpoint; a role's: the AWS CLI's), what a role profile fills
in, the lifetimes asked for, and the plan for many roles, refused before anything when one code can't buy it."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.credentials import AssumeRoleCredentialFetcher
from botocore.credentials import Credentials as BotocoreCredentials

from ansible_collections.mfa.aws.plugins.module_utils._connection import Credentials
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS, SESSION_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.requests import (
    CHAINED_ROLE_MAX,
    DEFAULT_ROLE_DURATION,
    DEFAULT_SESSION_DURATION,
    CodeSource,
    RoleRequest,
    SessionRequest,
    device_id,
    role_plan,
    signer_digest,
)

ROLE = "arn:aws:iam::222222222222:role/Admin"
OTHER_ROLE = "arn:aws:iam::333333333333:role/Reader"
SERIAL = "arn:aws:iam::111111111111:mfa/alice"
OTHER_SERIAL = "arn:aws:iam::111111111111:mfa/bob"
USER = Credentials("AKIAUSER", "user-secret")

pytestmark = pytest.mark.usefixtures("isolated")


def session(**options) -> SessionRequest:
    return SessionRequest.from_params(SESSION_OPTIONS.validate(options))


def role(**options) -> RoleRequest:
    return RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({"role_arn": ROLE, **options}))


def params(**options):
    return ASSUME_ROLE_OPTIONS.validate({"role_arn": ROLE, **options})


# -- where a code comes from ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "profile_serial", "source"),
    [
        ({}, None, CodeSource(None, None, None)),
        ({"mfa_serial_number": SERIAL}, None, CodeSource(SERIAL, None, None)),
        ({"mfa_serial_number": SERIAL, "mfa_token": "012345"}, None, CodeSource(SERIAL, "012345", None)),
        (
            {"mfa_serial_number": SERIAL, "mfa_token_command": "totp-tool --account 'my aws'"},
            None,
            CodeSource(SERIAL, None, ("totp-tool", "--account", "my aws")),
        ),
        # A code in hand wins: the command is not run.
        (
            {"mfa_serial_number": SERIAL, "mfa_token": "012345", "mfa_token_command": "totp-tool"},
            None,
            CodeSource(SERIAL, "012345", None),
        ),
        ({"mfa_token": "012345"}, SERIAL, CodeSource(SERIAL, "012345", None)),
        ({"mfa_serial_number": SERIAL}, OTHER_SERIAL, CodeSource(SERIAL, None, None)),
    ],
    ids=["none", "device", "given", "command", "given wins", "the profile's device", "the option wins"],
)
def test_the_code_source_from_options(options, profile_serial, source):
    assert CodeSource.from_params(SESSION_OPTIONS.validate(options), profile_serial) == source


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"mfa_token": "012345"}, "mfa_token: was given without mfa_serial_number"),
        ({"mfa_token_command": "totp-tool"}, "mfa_token_command: was given without mfa_serial_number"),
        ({"mfa_serial_number": SERIAL, "mfa_token": "12345"}, "mfa_token: must be exactly the 6 digits"),
        ({"mfa_serial_number": "short"}, "mfa_serial_number: must be 9-256 characters"),
    ],
)
def test_a_code_source_that_cant_work_is_refused_in_one_line(options, said):
    with pytest.raises(MfaAwsError, match=f"^{said}"):
        CodeSource.from_params(SESSION_OPTIONS.validate(options))


# -- the session: its key, its lifetime -------------------------------------------------------------------------

BASE = {"access_key": USER.access_key, "secret_key": USER.secret_key, "mfa_serial_number": SERIAL}


def session_key(signer: Credentials = USER, **changes) -> str:
    return session(**{**BASE, **changes}).cache_key(signer)


@pytest.mark.parametrize(
    ("signer", "changes"),
    [
        (Credentials("AKIAOTHER", "other-secret"), {}),
        (Credentials(USER.access_key, "another-secret"), {}),
        (USER, {"mfa_serial_number": OTHER_SERIAL}),
        (USER, {"mfa_serial_number": None}),
        (USER, {"duration_seconds": 7200}),
        (USER, {"duration_seconds": DEFAULT_SESSION_DURATION}),
        (USER, {"endpoint_url": "http://127.0.0.1:5000"}),
        (USER, {"region": "cn-north-1"}),
    ],
    ids=["signer", "secret key", "device", "no device", "duration", "the default asked for", "endpoint", "partition"],
)
def test_the_session_key_changes_with_each_thing_it_binds_alone(signer, changes):
    assert session_key(signer, **changes) != session_key()


@pytest.mark.parametrize(
    "changes",
    [{"cache_dir": "/elsewhere"}, {"mfa_token": "123456"}, {"region": "us-east-1"}, {"read_timeout": 5}],
    ids=["cache dir", "the code", "a region of the same partition", "read timeout"],
)
def test_the_session_key_does_not_change_with_what_it_does_not_bind(changes):
    assert session_key(**changes) == session_key()


def test_the_session_key_is_the_same_in_every_process_and_release():
    # Entries are found again by this name in later runs, in other processes and after an upgrade: the digest is
    # of the bound values in one canonical form, whatever order the code gathers them in.
    assert session_key() == "mfa-aws-session-e7a1dbdfa99f092fe778190cabcee47bb17b56a7"


def test_the_session_key_is_ours_and_holds_no_secret():
    key = session_key()
    assert key.startswith("mfa-aws-session-") and len(key) == len("mfa-aws-session-") + 40
    assert USER.secret_key not in key and SERIAL not in key


def test_the_session_endpoint_is_the_environments_when_no_option_names_one(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000/")
    assert session_key() == session_key(endpoint_url="http://127.0.0.1:5000")


@pytest.mark.parametrize(
    ("options", "lifetime"),
    [({}, DEFAULT_SESSION_DURATION), ({"duration_seconds": 900}, 900), ({"duration_seconds": 129600}, 129600)],
)
def test_a_session_lasts_what_it_asks_and_aws_default_of_12_hours_else(options, lifetime):
    assert DEFAULT_SESSION_DURATION == 43200
    assert session(**options).lifetime == lifetime


def test_a_session_identifies_itself_unless_told_not_to():
    assert session().identify is True
    assert SessionRequest.from_params(SESSION_OPTIONS.validate({}), identify=False).identify is False


@pytest.mark.parametrize("duration", [899, 129601])
def test_a_session_duration_out_of_awss_bounds_is_refused(duration):
    with pytest.raises(MfaAwsError, match=r"^duration_seconds: must be from 900 to 129600 seconds"):
        session(duration_seconds=duration)


# -- a role: its arguments, its key, its lifetime ---------------------------------------------------------------


def botocore_key(role_arn: str, extra_args: dict) -> str:
    """The cache key the AWS CLI gives an AssumeRole with these arguments (botocore's own fetcher computes it)."""
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=None,
        source_credentials=BotocoreCredentials("AKIA", "secret"),
        role_arn=role_arn,
        extra_args=dict(extra_args),
        cache={},
    )
    return fetcher._cache_key  # pylint: disable=protected-access


@pytest.mark.parametrize(
    ("options", "extra_args"),
    [
        ({}, {}),
        ({"mfa_serial_number": SERIAL}, {"SerialNumber": SERIAL}),
        ({"mfa_serial_number": SERIAL, "mfa_token": "123456"}, {"SerialNumber": SERIAL}),
        ({"role_session_name": "deploy"}, {"RoleSessionName": "deploy"}),
        (
            {"mfa_serial_number": SERIAL, "role_session_name": "deploy", "duration_seconds": 900},
            {"SerialNumber": SERIAL, "RoleSessionName": "deploy", "DurationSeconds": 900},
        ),
        ({"external_id": "x-1", "source_identity": "alice"}, {"ExternalId": "x-1", "SourceIdentity": "alice"}),
        (
            {"policy": {"Version": "2012-10-17", "Statement": []}, "tags": {"team": "ops"}},
            {"Policy": '{"Version": "2012-10-17", "Statement": []}', "Tags": [{"Key": "team", "Value": "ops"}]},
        ),
    ],
    ids=["plain", "device", "the code is not in it", "named session", "device named session duration", "ids", "policy"],
)
def test_the_role_key_is_the_aws_clis(options, extra_args):
    assert role(**options).cache_key == botocore_key(ROLE, extra_args)


def test_a_named_session_reaches_the_arguments_and_the_key():
    named, made_up = role(role_session_name="deploy"), role()
    assert named.arguments["RoleSessionName"] == "deploy" and named.default_session_name is False
    assert "RoleSessionName" not in made_up.arguments and made_up.default_session_name is True
    assert named.cache_key != made_up.cache_key
    assert role(role_session_name="other").cache_key != named.cache_key


def test_the_device_is_an_argument_and_the_code_is_not():
    request = role(mfa_serial_number=SERIAL, mfa_token="123456")
    assert request.arguments == {"SerialNumber": SERIAL}
    assert request.code == CodeSource(SERIAL, "123456", None)


def test_every_option_reaches_the_arguments_in_botocores_names():
    request = role(
        role_session_name="deploy",
        duration_seconds=1800,
        external_id="x-1",
        policy={"Version": "2012-10-17", "Statement": []},
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        tags={"team": "ops"},
        transitive_tag_keys=["team"],
        source_identity="alice",
        mfa_serial_number=SERIAL,
    )
    assert request.role_arn == ROLE
    assert request.arguments == {
        "RoleSessionName": "deploy",
        "DurationSeconds": 1800,
        "ExternalId": "x-1",
        "Policy": '{"Statement":[],"Version":"2012-10-17"}',
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "Tags": [{"Key": "team", "Value": "ops"}],
        "TransitiveTagKeys": ["team"],
        "SourceIdentity": "alice",
        "SerialNumber": SERIAL,
    }


@pytest.mark.parametrize(
    ("options", "lifetime"),
    [({}, DEFAULT_ROLE_DURATION), ({"duration_seconds": 900}, 900), ({"duration_seconds": 43200}, 43200)],
)
def test_a_role_lasts_what_it_asks_and_an_hour_else(options, lifetime):
    assert DEFAULT_ROLE_DURATION == 3600
    assert role(**options).lifetime == lifetime


def test_without_role_arn_or_a_role_profile_one_line_says_what_to_set():
    with pytest.raises(MfaAwsError, match=r"^role_arn: required, unless profile names a role profile"):
        RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({}))


# -- the session a role is bought through -----------------------------------------------------------------------


def test_the_session_a_role_is_bought_through():
    request = role(mfa_serial_number=SERIAL, mfa_token="123456", cache_dir="/somewhere", session_duration_seconds=7200)
    bought_through = request.session()
    assert bought_through == SessionRequest(request.connection, request.code, request.cache, 7200, identify=False)
    assert bought_through.lifetime == 7200


def test_the_session_a_role_is_bought_through_lasts_12_hours_by_default_whatever_the_role_asks():
    bought_through = role(mfa_serial_number=SERIAL, duration_seconds=900).session()
    assert bought_through.duration is None and bought_through.lifetime == DEFAULT_SESSION_DURATION


def test_the_session_a_role_is_bought_through_is_the_one_sts_mfa_session_keeps_with_the_same_options():
    # One code, one session: sts_mfa_session and the roles it signs share it (if it knows who it acts as).
    options = {"access_key": USER.access_key, "secret_key": USER.secret_key, "mfa_serial_number": SERIAL}
    through = role(**options, session_duration_seconds=7200).session()
    assert through.cache_key(USER) == session(**options, duration_seconds=7200).cache_key(USER)


# -- role profiles ----------------------------------------------------------------------------------------------


@pytest.fixture
def profiles(isolated):
    (isolated / "aws-config").write_text(
        "[profile user]\nregion = eu-west-1\n"
        "[profile deploy]\n"
        f"role_arn = {ROLE}\nsource_profile = user\nmfa_serial = {SERIAL}\nduration_seconds = 1800\n"
        "external_id = x-1\n"
        "[profile named]\n"
        f"role_arn = {ROLE}\nsource_profile = user\nmfa_serial = {SERIAL}\nrole_session_name = deploy\n"
        "[profile keys-with-device]\n"
        f"mfa_serial = {OTHER_SERIAL}\n"
    )
    (isolated / "aws-credentials").write_text(
        "[user]\naws_access_key_id = AKIAUSER\naws_secret_access_key = user-secret\n"
        "[keys-with-device]\naws_access_key_id = AKIAUSER\naws_secret_access_key = user-secret\n"
    )
    return isolated


def test_a_role_profile_fills_in_what_the_options_leave_unset(profiles):
    request = RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({"profile": "deploy"}))
    assert request.role_arn == ROLE and request.from_profile is True
    assert request.connection.profile == "user"
    assert request.code == CodeSource(SERIAL, None, None)
    assert request.arguments == {"DurationSeconds": 1800, "ExternalId": "x-1", "SerialNumber": SERIAL}
    assert request.default_session_name is True


def test_options_win_over_the_role_profile(profiles):
    request = RoleRequest.from_params(
        ASSUME_ROLE_OPTIONS.validate({"profile": "deploy", "duration_seconds": 900, "mfa_serial_number": OTHER_SERIAL})
    )
    assert request.arguments["DurationSeconds"] == 900
    assert request.code.serial == OTHER_SERIAL and request.arguments["SerialNumber"] == OTHER_SERIAL


def test_a_role_profiles_session_name_is_named(profiles):
    request = RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({"profile": "named"}))
    assert request.arguments["RoleSessionName"] == "deploy" and request.default_session_name is False


@pytest.mark.parametrize("profile", ["deploy", "named"])
def test_a_role_profiles_key_is_the_one_the_aws_cli_computes_for_it(profiles, profile):
    # botocore's own assume-role provider, reading the same files, builds the fetcher the AWS CLI uses.
    found = botocore.session.Session(profile=profile).get_credentials()
    fetcher = found._refresh_using._refresh.__self__  # pylint: disable=protected-access
    request = RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({"profile": profile}))
    assert request.cache_key == fetcher._cache_key  # pylint: disable=protected-access


def test_role_arn_beside_a_role_profile_is_refused(profiles):
    with pytest.raises(MfaAwsError, match=f"^profile deploy already names a role \\({ROLE}\\): drop role_arn"):
        RoleRequest.from_params(ASSUME_ROLE_OPTIONS.validate({"profile": "deploy", "role_arn": OTHER_ROLE}))


def test_a_session_for_a_role_profile_is_its_source_profiles_with_its_device(profiles):
    request = SessionRequest.from_params(SESSION_OPTIONS.validate({"profile": "deploy"}))
    assert request.connection.profile == "user" and request.code.serial == SERIAL


def test_a_session_for_a_keys_profile_takes_its_device(profiles):
    request = SessionRequest.from_params(SESSION_OPTIONS.validate({"profile": "keys-with-device"}))
    assert request.connection.profile == "keys-with-device" and request.code.serial == OTHER_SERIAL


# -- many roles -------------------------------------------------------------------------------------------------


def test_one_role_is_the_options_role():
    assert [request.role_arn for request in role_plan(params(), [])] == [ROLE]


def test_many_roles_share_every_other_option():
    plan = role_plan(params(mfa_serial_number=SERIAL, duration_seconds=900), [ROLE, OTHER_ROLE])
    assert [request.role_arn for request in plan] == [ROLE, OTHER_ROLE]
    assert {request.arguments["DurationSeconds"] for request in plan} == {900}
    assert {request.code.serial for request in plan} == {SERIAL}


@pytest.mark.parametrize("duration", [CHAINED_ROLE_MAX + 1, 43200])
def test_several_roles_over_an_hour_with_a_device_are_refused_before_anything(duration):
    with pytest.raises(MfaAwsError) as raised:
        role_plan(params(mfa_serial_number=SERIAL, duration_seconds=duration), [ROLE, OTHER_ROLE])
    said = str(raised.value)
    assert said.startswith(f"duration_seconds: {duration} with several roles and one code")
    assert "ask for 3600 or less" in said and "\n" not in said


@pytest.mark.parametrize(
    ("options", "arns"),
    [
        ({"mfa_serial_number": SERIAL, "duration_seconds": 7200}, [ROLE]),
        ({"mfa_serial_number": SERIAL, "duration_seconds": CHAINED_ROLE_MAX}, [ROLE, OTHER_ROLE]),
        ({"duration_seconds": 7200}, [ROLE, OTHER_ROLE]),
    ],
    ids=["one role over an hour", "several roles of an hour", "several roles over an hour without a device"],
)
def test_what_one_code_can_buy_is_planned(options, arns):
    assert len(role_plan(params(**options), arns)) == len(arns)


def test_every_role_is_checked_before_any_is_bought():
    with pytest.raises(MfaAwsError, match=r"^role_arn: must be a role ARN"):
        role_plan(params(mfa_serial_number=SERIAL), [ROLE, "arn:aws:iam::333333333333:user/not-a-role"])


# -- names that stand for secrets -------------------------------------------------------------------------------


def test_the_signer_is_named_by_a_digest_of_all_its_keys():
    digest = signer_digest(USER)
    assert USER.secret_key not in digest and len(digest) == 64
    assert digest == signer_digest(Credentials(USER.access_key, USER.secret_key))
    assert digest != signer_digest(Credentials(USER.access_key, "another-secret"))
    assert digest != signer_digest(Credentials(USER.access_key, USER.secret_key, "a-token"))


def test_a_device_is_named_in_file_names_without_its_arn():
    assert len(device_id(SERIAL)) == 20 and "alice" not in device_id(SERIAL)
    assert device_id(SERIAL) == device_id(SERIAL) != device_id(OTHER_SERIAL)
