# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs mfa.aws.sts_mfa_assume_role on the controller (see plugin_utils/_action.py for why)."""

from __future__ import annotations

from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import run_role
from ansible_collections.mfa.aws.plugins.plugin_utils._action import StsAction


class ActionModule(StsAction):
    options = ASSUME_ROLE_OPTIONS
    exchange = staticmethod(run_role)
