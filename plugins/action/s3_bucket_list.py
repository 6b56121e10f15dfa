# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs mfa.aws.s3_bucket_list on the controller (see plugin_utils/_action.py for why)."""

from __future__ import annotations

from typing import Any, Mapping

from ansible_collections.mfa.aws.plugins.module_utils._s3 import list_buckets
from ansible_collections.mfa.aws.plugins.module_utils._specs import S3_BUCKET_LIST_OPTIONS
from ansible_collections.mfa.aws.plugins.plugin_utils._action import MfaAwsAction


class ActionModule(MfaAwsAction):
    options = S3_BUCKET_LIST_OPTIONS

    def perform(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return list_buckets(params)
