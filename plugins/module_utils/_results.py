# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the STS modules return, built once for the module and for its controller-side action.

For the collection's own use.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._exchange import ExchangeResult

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
