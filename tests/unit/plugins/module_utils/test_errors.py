"""The neutral errors: one line for the user, and what a failed result adds when AWS answered."""

from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError, NoTerminal


def test_no_terminal_and_aws_call_errors_are_caught_as_the_neutral_error():
    # Front ends catch MfaAwsError alone: every failure the collection words must be one.
    assert issubclass(NoTerminal, MfaAwsError)
    assert issubclass(AwsCallError, MfaAwsError)


def test_an_aws_call_error_carries_awss_code_and_request_id_and_neither_may_have_spent_its_code_nor_is_retryable_by_default():
    error = AwsCallError("GetSessionToken was refused", aws_code="AccessDenied", request_id="req-1")
    assert str(error) == "GetSessionToken was refused"
    assert (error.aws_code, error.request_id, error.code_may_be_spent, error.retryable) == ("AccessDenied", "req-1", False, False)
    assert error.details() == {"code": "AccessDenied", "request_id": "req-1"}


def test_details_hold_only_what_aws_said():
    assert AwsCallError("no answer", code_may_be_spent=True).details() == {}
    assert AwsCallError("throttled", aws_code="Throttling", retryable=True).details() == {"code": "Throttling"}
    assert AwsCallError("odd", request_id="req-2").details() == {"request_id": "req-2"}
