"""What the lookups share: failures become the lookup's error in one line, warnings are shown once, no value leaks."""

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.plugin_utils._lookup import MfaAwsLookup, _without_values


class Lookup(MfaAwsLookup):
    """A lookup of the collection's; what it runs is the test's."""

    def run(self, terms, variables=None, **kwargs):
        raise NotImplementedError


def lookup():
    return Lookup()


class Outcome:
    def __init__(self, *warnings):
        self.warnings = list(warnings)


def test_the_outcome_is_returned_as_it_is():
    outcome = Outcome()
    assert lookup().run_exchange(lambda: outcome) is outcome


def test_a_neutral_error_becomes_the_lookups_error_with_the_same_line():
    def refused():
        raise MfaAwsError("GetSessionToken was throttled by AWS even after retrying: raise 'retries'")

    with pytest.raises(AnsibleLookupError) as raised:
        lookup().run_exchange(refused)
    assert raised.value.message == "GetSessionToken was throttled by AWS even after retrying: raise 'retries'"
    assert isinstance(raised.value.__cause__, MfaAwsError)


def test_each_warning_is_shown_once_however_many_results_carry_it(monkeypatch):
    shown = []
    monkeypatch.setattr("ansible.utils.display.Display.warning", lambda self, message, *a, **k: shown.append(message))
    results = [Outcome("cache_dir was loose", "not cached"), Outcome("cache_dir was loose")]
    assert lookup().run_exchange(lambda: results) is results
    assert shown == ["cache_dir was loose", "not cached"]


@pytest.mark.parametrize(
    ("message", "worded"),
    [
        (
            "Invalid type for configuration option 'mfa_token': hunter2 is not a str",
            "option mfa_token: has the wrong type; see ansible-doc -t lookup for what it takes",
        ),
        (
            "something about a value hunter2",
            "an option has the wrong type; see ansible-doc -t lookup for what each takes",
        ),
    ],
)
def test_ansibles_option_errors_are_worded_without_the_value(message, worded):
    assert _without_values(message, {"mfa_token": "hunter2", "retries": 3}) == worded
