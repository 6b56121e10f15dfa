# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the STS modules return, built once for the module and for its controller-side action.

For the collection's own use.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mfa.aws.plugins.module_utils._credentials_file import check_target, write_profile
from ansible_collections.mfa.aws.plugins.module_utils._errors import AwsCallError, MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._private_files import LockFactory
from ansible_collections.mfa.aws.plugins.module_utils._specs import Options
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import UNATTENDED
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def fact_name(value: Any) -> str:
    if not isinstance(value, str) or not _VARIABLE_NAME.fullmatch(value):
        raise MfaAwsError("fact_name: must be a valid variable name (letters, digits and _, not starting with a digit)")
    return value


def sts_module_result(exchange: ExchangeResult, name: str) -> dict[str, Any]:
    """changed is false: nothing in AWS changes when temporary credentials are issued."""
    credentials = exchange.as_dict()
    return {
        "changed": False,
        "credentials": credentials,
        "identity": dict(exchange.identity),
        "environment": exchange.environment(),
        "cached": exchange.cached,
        "ansible_facts": {name: dict(credentials)},
        "warnings": list(exchange.warnings),
    }


def sts_task_result(
    exchange: Callable[[], ExchangeResult], options: Mapping[str, Any], check_mode: bool, lock: LockFactory
) -> dict[str, Any]:
    """Run an STS exchange as a task: everything checked first, then the call, the fact, and write_profile."""
    name = fact_name(options["fact_name"])
    profile = options.get("write_profile")
    target = check_target(profile, options.get("credentials_file"))
    result = sts_module_result(exchange(), name)
    if target is not None:
        # The only change a task makes: a file on this machine, not anything in AWS.
        result["changed"] = write_profile(target, profile, result["credentials"], check_mode, lock=lock)
        result["profile"] = {"name": profile, "file": target}
    return result


def failure(error: MfaAwsError) -> dict[str, Any]:
    """A failed result: the one line, and AWS's error code and request ID when AWS answered."""
    result: dict[str, Any] = {"failed": True, "changed": False, "msg": str(error)}
    if isinstance(error, AwsCallError) and error.details():
        result["error"] = error.details()
    return result


def sts_module_main(options: Options, run: Callable[..., ExchangeResult]) -> None:
    """An STS module run on its own (not through its controller-side action): no fork pool to lock against,
    and no controller to run mfa_token_command on."""
    module = AnsibleModule(**options.module_kwargs(), supports_check_mode=True)

    def exchange() -> ExchangeResult:
        return run(module.params, runtime=UNATTENDED)

    try:
        module.exit_json(**sts_task_result(exchange, module.params, module.check_mode, UNATTENDED.lock))
    except MfaAwsError as error:
        module.fail_json(**{key: value for key, value in failure(error).items() if key != "failed"})
