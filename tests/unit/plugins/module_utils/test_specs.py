"""The option specs every front end validates with: defaults, types, how options combine, and one line per failure."""

import pytest

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import (
    ASSUME_ROLE_OPTIONS,
    MODULE_ONLY_OPTIONS,
    S3_BUCKET_LIST_OPTIONS,
    SESSION_OPTIONS,
)

ALL = [SESSION_OPTIONS, ASSUME_ROLE_OPTIONS, S3_BUCKET_LIST_OPTIONS]
# Secrets as long as real ones: a refusal's line hides every no_log value it holds, so a one-letter secret would
# hide that letter everywhere in the line.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"


def test_defaults_are_filled_in():
    params = SESSION_OPTIONS.validate({})
    assert params["validate_certs"] is True
    assert (params["retries"], params["read_timeout"]) == (4, 30)
    assert params["cache"] is True
    assert params["cache_dir"].endswith("/.aws/cli/cache") and not params["cache_dir"].startswith("~")
    assert params["fact_name"] == "aws_mfa_session"
    assert ASSUME_ROLE_OPTIONS.validate({})["fact_name"] == "aws_mfa_role"
    assert S3_BUCKET_LIST_OPTIONS.validate({})["page_size"] == 10000


def test_none_and_empty_strings_count_as_not_given():
    # What a lookup's unset option, and a templated option whose variable is empty, give.
    params = SESSION_OPTIONS.validate({"retries": None, "mfa_token": "", "access_key": "", "secret_key": None})
    assert params["retries"] == 4
    assert params["mfa_token"] is None and params["access_key"] is None


def test_types_are_converted_and_aliases_understood():
    params = ASSUME_ROLE_OPTIONS.validate(
        {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": SECRET, "retries": "2", "cache": "no"}
    )
    assert (params["access_key"], params["secret_key"]) == ("AKIAEXAMPLE", SECRET)
    assert params["retries"] == 2 and params["cache"] is False


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"access_key": "AKIAEXAMPLE"},
            "access_key was given without secret_key: set both, or neither to use a profile",
        ),
        ({"secret_key": SECRET}, "secret_key was given without access_key: set both, or neither to use a profile"),
        (
            {"session_token": TOKEN},
            "session_token was given without access_key and secret_key: set all of them",
        ),
        (
            {"profile": "p", "access_key": "AKIAEXAMPLE", "secret_key": SECRET},
            "profile and access_key were both given: use one way to name the credentials",
        ),
        ({"retries": float("inf")}, "retries: must be a finite number"),
    ],
)
def test_how_options_combine_is_said_in_one_line(given, message):
    for options in ALL:
        with pytest.raises(MfaAwsError) as raised:
            options.validate(given)
        assert str(raised.value) == message


def test_an_unknown_option_is_worded_as_a_module_words_it():
    with pytest.raises(MfaAwsError, match=r"^Unsupported parameters for \(mfa\.aws\.sts_mfa_session\) module: bogus\."):
        SESSION_OPTIONS.validate({"bogus": 1}, "mfa.aws.sts_mfa_session")


def test_a_refusal_never_shows_a_secrets_value():
    given = {"access_key": "AKIAEXAMPLE", "secret_key": "hunter2hunter2", "retries": "hunter2hunter2"}
    with pytest.raises(MfaAwsError) as raised:
        SESSION_OPTIONS.validate(given)
    assert "retries" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_several_failures_are_one_line():
    with pytest.raises(MfaAwsError) as raised:
        SESSION_OPTIONS.validate({"retries": "many", "read_timeout": "long"})
    assert "\n" not in str(raised.value) and "retries" in str(raised.value) and "read_timeout" in str(raised.value)


@pytest.mark.parametrize("name", ["secret_key", "session_token", "mfa_token"])
def test_secrets_are_no_log_in_every_spec_that_has_them(name):
    for options in ALL:
        if name in options.argument_spec:
            assert options.argument_spec[name]["no_log"] is True


def test_a_lookup_takes_the_module_spec_less_the_module_only_options():
    lookup = ASSUME_ROLE_OPTIONS.without(MODULE_ONLY_OPTIONS)
    assert set(lookup.argument_spec) == set(ASSUME_ROLE_OPTIONS.argument_spec) - set(MODULE_ONLY_OPTIONS)
    assert lookup.required_together == ASSUME_ROLE_OPTIONS.required_together
    with pytest.raises(MfaAwsError, match="Unsupported parameters"):
        lookup.validate({"fact_name": "x"}, "mfa.aws.mfa_assume_role")


def test_the_modules_get_the_same_spec_and_rules():
    kwargs = SESSION_OPTIONS.module_kwargs()
    assert kwargs["argument_spec"] is SESSION_OPTIONS.argument_spec
    assert kwargs["required_together"] == [["access_key", "secret_key"]]
    assert kwargs["mutually_exclusive"] == [["profile", "access_key"]]
    assert kwargs["required_by"] == {"session_token": ["access_key", "secret_key"]}
