"""Role profiles of the shared config, read as the AWS CLI reads them; one line where mfa.aws can't use them."""

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._connection import Connection
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._profiles import RoleProfile, profile_settings, role_profile

CONFIG = """
[profile admin]
role_arn = arn:aws:iam::210987654321:role/Admin
source_profile = alice
mfa_serial = arn:aws:iam::123456789012:mfa/alice
duration_seconds = 1800
external_id = ext-id
role_session_name = alice-admin

[profile alice]
region = eu-west-1

[profile orphan]
role_arn = arn:aws:iam::210987654321:role/Admin

[profile chained]
role_arn = arn:aws:iam::210987654321:role/Other
source_profile = admin

[profile sloppy]
role_arn = arn:aws:iam::210987654321:role/Admin
source_profile = alice
duration_seconds = an hour
"""

CREDENTIALS = """
[alice]
aws_access_key_id = AKIAALICE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
"""


@pytest.fixture(autouse=True)
def files(aws_files):
    aws_files.write(CONFIG, CREDENTIALS)


def test_a_role_profile_is_read_whole_with_a_connection_for_its_source():
    found = role_profile(Connection(profile="admin", region="us-west-2"))
    assert found == RoleProfile(
        name="admin",
        role_arn="arn:aws:iam::210987654321:role/Admin",
        source=Connection(profile="alice", region="us-west-2"),
        mfa_serial="arn:aws:iam::123456789012:mfa/alice",
        duration_seconds=1800,
        external_id="ext-id",
        role_session_name="alice-admin",
    )


def test_a_keys_profile_and_no_profile_are_no_role():
    assert role_profile(Connection(profile="alice")) is None
    assert role_profile(Connection()) is None


def test_both_files_are_merged_as_botocore_merges_them():
    merged = profile_settings(Connection(profile="alice"))
    assert merged["region"] == "eu-west-1" and merged["aws_access_key_id"] == "AKIAALICE"


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("orphan", "profile orphan names a role without source_profile"),
        ("chained", "profile chained's source_profile admin is itself a role profile"),
        ("sloppy", "profile sloppy: duration_seconds must be a whole number, got an hour"),
    ],
)
def test_what_mfa_aws_cannot_use_is_one_line(profile, message):
    with pytest.raises(MfaAwsError, match=f"^{message}"):
        role_profile(Connection(profile=profile))


def test_a_profile_the_files_do_not_hold_is_botocores_one_line():
    with pytest.raises(MfaAwsError, match=r"^profile: 'nosuch' is in neither .* the profiles there are"):
        role_profile(Connection(profile="nosuch"))


def test_a_damaged_file_is_left_to_botocore_to_word(aws_files):
    aws_files.config.write_text("[profile admin\nrole_arn = x\n")
    with pytest.raises(MfaAwsError, match=r"Unable to parse config file|could not be found"):
        role_profile(Connection(profile="admin"))
