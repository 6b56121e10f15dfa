# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side runner behind each module of the collection.

For the collection's own use. The MFA exchange runs in the controller process, never on a managed
host: the IAM user's keys and the code stay with the operator, one lock serves every forked worker
(one STS call per code), and no module is packaged and shipped for a call that is only HTTPS.
"""

from __future__ import annotations

from typing import Any, Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._exchange import CodeReader, ExchangeResult, LockFactory
from ansible_collections.mfa.aws.plugins.module_utils._results import sts_task_result
from ansible_collections.mfa.aws.plugins.plugin_utils._lock import controller_lock
from ansible_collections.mfa.aws.plugins.plugin_utils._token_command import run_token_command


class MfaAwsAction(ActionBase):
    """Validates the task's options with the module's own spec, runs `perform`, and words any failure."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True  # issuing credentials changes nothing, and later tasks need them under --check
    _supports_async = False

    argument_spec: dict[str, dict[str, Any]] = {}
    # Results carrying secrets are hidden from every callback, as include_vars hides its own; the
    # registered variable and the facts keep the values.
    result_has_secrets = False

    def perform(self, options: Mapping[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        validation = ArgumentSpecValidator(self.argument_spec).validate(self._task.args)
        if validation.error_messages:
            message = "; ".join(self._worded(error) for error in validation.errors)
            result.update(failed=True, msg=remove_values(message, validation._no_log_values))
            return result
        try:
            result.update(self.perform(validation.validated_parameters, task_vars or {}))
        except MfaAwsError as error:
            result.update(failed=True, changed=False, msg=str(error))
            return result
        if self.result_has_secrets:
            result["_ansible_no_log"] = True
        return result

    def _worded(self, error: Exception) -> str:
        # Worded as AnsibleModule words it, so the message reads the same as any module's.
        if isinstance(error, UnsupportedError):
            return f"Unsupported parameters for ({self._task.action}) module: {error}"
        return str(error)


class StsAction(MfaAwsAction):
    """An STS module: run its exchange under the controller's lock and register the credentials as a fact."""

    result_has_secrets = True

    @staticmethod
    def exchange(options: Mapping[str, Any], lock: LockFactory, read_code: CodeReader | None) -> ExchangeResult:
        raise NotImplementedError

    def perform(self, options: Mapping[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        return sts_task_result(
            lambda: self.exchange(options, controller_lock, run_token_command), options, bool(self._task.check_mode)
        )
