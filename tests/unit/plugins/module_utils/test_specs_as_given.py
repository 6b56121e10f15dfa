"""The option specs: what validate() returns without ansible-core is what ansible-core's validator returns.

validate() reads options that need no conversion itself (so that bin/mfa-aws-credentials imports no
ansible-core), and hands everything else to ArgumentSpecValidator. For every spec of the collection and any
options, both must give the same validated options, or validate() must leave the decision to the validator.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.mfa.aws.plugins.module_utils import _specs
from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._specs import (
    ASSUME_ROLE_OPTIONS,
    MODULE_ONLY_OPTIONS,
    S3_BUCKET_LIST_OPTIONS,
    SESSION_OPTIONS,
)

SPECS = {
    "session": SESSION_OPTIONS,
    "assume_role": ASSUME_ROLE_OPTIONS,
    "s3_bucket_list": S3_BUCKET_LIST_OPTIONS,
    "session lookup": SESSION_OPTIONS.without(MODULE_ONLY_OPTIONS),
    "assume_role lookup": ASSUME_ROLE_OPTIONS.without((*MODULE_ONLY_OPTIONS, "role_arn")),
}


def tagged(value):
    """The value as ansible-core 2.19 and later hand a lookup its options: tagged with where it came from."""
    try:
        from ansible._internal._datatag._tags import Origin
    except ImportError:  # ansible-core 2.18 and earlier tag nothing
        return value
    return Origin(path="/etc/ansible/ansible.cfg").tag(value)


PLAIN = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=50000),
    st.sampled_from(["", "3600", "yes", "no", "true", "~/cache", "$HOME/cache", "/tmp/x", "eu-west-1", "a,b"]),
    st.text(max_size=12),
)
# Values of every kind an option may be given: of its type, of another type, convertible or not, tagged or not.
VALUES = st.one_of(
    PLAIN,
    PLAIN.filter(lambda value: isinstance(value, (str, int)) and not isinstance(value, bool)).map(tagged),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.floats(allow_nan=False, allow_infinity=False),
)


def by_validator(options, given):
    """What ArgumentSpecValidator returns for these options, or None when it refuses them."""
    result = ArgumentSpecValidator(options.argument_spec, **options._rules()).validate(given)
    return None if result.error_messages else result.validated_parameters


@pytest.mark.parametrize("name", SPECS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_options_read_without_the_validator_are_what_the_validator_returns(name, data):
    options = SPECS[name]
    names = sorted(options.argument_spec) + sorted(
        alias for spec in options.argument_spec.values() for alias in spec.get("aliases") or ()
    )
    given_options = data.draw(st.dictionaries(st.sampled_from(names), VALUES, max_size=6))
    given_options = {key: value for key, value in given_options.items() if value is not None and value != ""}
    as_given = options._as_given(given_options)
    if as_given is not None:
        assert as_given == by_validator(options, given_options)


@pytest.mark.parametrize("name", SPECS)
def test_the_defaults_alone_and_plain_strings_need_no_validator(name):
    options = SPECS[name]
    assert options._as_given({}) == by_validator(options, {})
    plain = {"profile": "alice", "region": "eu-west-1", "cache_dir": "$HOME/elsewhere"}
    plain = {key: value for key, value in plain.items() if key in options.argument_spec}
    assert options._as_given(plain) == by_validator(options, plain)
    # What a lookup's options are in ansible-core 2.19 and later.
    tags = {key: tagged(value) for key, value in {**plain, "retries": 2}.items()}
    assert options._as_given(tags) is not None
    assert options._as_given(tags) == by_validator(options, tags)
    assert options.validate({**plain, "retries": 3})["retries"] == 3


@pytest.mark.parametrize(
    "given_options",
    [
        {"access_key": "AKIAIOSFODNN7EXAMPLE"},  # required together
        {"session_token": "token"},  # required by
        {"profile": "alice", "access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": "secret"},  # mutually exclusive
        {"retries": "3"},  # a conversion
        {"retries": True},  # a bool is not an int here
        {"aws_region": "eu-west-1"},  # an alias
        {"policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},  # a list
    ],
)
def test_what_a_rule_could_refuse_or_the_validator_would_convert_is_left_to_it(given_options):
    assert ASSUME_ROLE_OPTIONS._as_given(given_options) is None
    expected = by_validator(ASSUME_ROLE_OPTIONS, given_options)
    if expected is None:
        with pytest.raises(MfaAwsError):
            ASSUME_ROLE_OPTIONS.validate(given_options)
    else:
        assert ASSUME_ROLE_OPTIONS.validate(given_options) == expected


def test_a_spec_with_what_it_does_not_read_is_left_to_the_validator():
    options = _specs.Options({"name": {"type": "str", "fallback": (lambda: "x", [])}})
    assert options._as_given({}) is None
    options = _specs.Options({"name": {"type": "list", "elements": "str", "default": []}})
    assert options._as_given({}) is None


def test_validating_plain_options_imports_no_ansible_core(tmp_path):
    """What bin/mfa-aws-credentials validates on every run: ansible-core stays unloaded."""
    script = textwrap.dedent(
        """
        import json, sys
        from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS
        validated = ASSUME_ROLE_OPTIONS.validate({"profile": "admin", "duration_seconds": 3600, "region": "eu-west-1"})
        loaded = sorted(name for name in sys.modules if name.startswith("ansible."))
        print(json.dumps([validated["duration_seconds"], loaded]))
        """
    )
    finished = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(finished.stdout) == [3600, []]
