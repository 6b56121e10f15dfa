# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side runner behind each module of the collection.

For the collection's own use. The MFA exchange runs in the controller process, never on a managed
host: the IAM user's keys and the code stay with the operator, one lock serves every forked worker
(one STS call per code), and no module is packaged and shipped for a call that is only HTTPS.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable, Mapping

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._results import failure, sts_task_result
from ansible_collections.mfa.aws.plugins.module_utils._specs import Options
from ansible_collections.mfa.aws.plugins.module_utils._sts.result import ExchangeResult
from ansible_collections.mfa.aws.plugins.plugin_utils._controller import ON_CONTROLLER


class MfaAwsAction(ActionBase):
    """Validates the task's options with the module's own spec, runs `perform`, and words any failure."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True  # issuing credentials changes nothing, and later tasks need them under --check
    _supports_async = False

    options: Options
    # Results carrying secrets are hidden from every callback, as include_vars hides its own; the
    # registered variable and the facts keep the values.
    result_has_secrets = False

    def perform(self, params: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        try:
            params = self.options.validate(self._task.args, self._task.action)
            result.update(self.perform(params))
        except MfaAwsError as error:
            result.update(failure(error))
            if error.__cause__ is not None:
                # As a module's traceback: shown at -vvv, with AWS's own exception.
                result["exception"] = "".join(traceback.format_exception(error.__cause__))
            return result
        if self.result_has_secrets:
            result["_ansible_no_log"] = True
        return result


class StsAction(MfaAwsAction):
    """An STS module: run its exchange under the controller's lock and register the credentials as a fact."""

    result_has_secrets = True
    exchange: Callable[..., ExchangeResult]

    def perform(self, params: Mapping[str, Any]) -> dict[str, Any]:
        def exchange() -> ExchangeResult:
            return type(self).exchange(params, runtime=ON_CONTROLLER)

        result = sts_task_result(exchange, params, bool(self._task.check_mode), ON_CONTROLLER.lock)
        plugin = str(C.config.get_config_value("CACHE_PLUGIN") or "memory")
        if plugin.rsplit(".", 1)[-1] != "memory":
            # Ansible stores every action's ansible_facts in the fact cache, which this plugin keeps on disk
            # (and AWX in its database): the secret key and token must not go there. The registered result,
            # which no cache keeps, still holds them.
            del result["ansible_facts"]
            Display().warning(
                f"{self._task.action}: the credentials were not set as the fact {params['fact_name']}, because the "
                f"fact cache ({plugin}) would keep them on disk; register the task's result and use its "
                "credentials instead (register: session, then session.credentials.secret_key)"
            )
        return result
