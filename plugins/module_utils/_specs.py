# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs, defined once: each module runs with them, and so does its controller-side action.

For the collection's own use. The option texts live in plugins/doc_fragments/, one fragment per family
named as the spec dicts here are.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._connection import CONNECTION_ARGUMENT_SPEC

Spec = dict[str, dict[str, Any]]

MFA_ARGUMENT_SPEC: Spec = {
    "mfa_serial_number": {"type": "str"},
    "mfa_token": {"type": "str", "no_log": True},
    # Not a secret: what the command prints is, and that is never logged.
    "mfa_token_command": {"type": "str", "no_log": False},
}

CACHE_ARGUMENT_SPEC: Spec = {
    "cache": {"type": "bool", "default": True},
    "cache_dir": {"type": "path"},
}

CREDENTIALS_FILE_ARGUMENT_SPEC: Spec = {
    "write_profile": {"type": "str"},
    "credentials_file": {"type": "path"},
}

SESSION_ARGUMENT_SPEC: Spec = {
    **CONNECTION_ARGUMENT_SPEC,
    **MFA_ARGUMENT_SPEC,
    **CACHE_ARGUMENT_SPEC,
    **CREDENTIALS_FILE_ARGUMENT_SPEC,
    "duration_seconds": {"type": "int"},
    "fact_name": {"type": "str", "default": "aws_mfa_session"},
}

ASSUME_ROLE_ARGUMENT_SPEC: Spec = {
    **CONNECTION_ARGUMENT_SPEC,
    **MFA_ARGUMENT_SPEC,
    **CACHE_ARGUMENT_SPEC,
    **CREDENTIALS_FILE_ARGUMENT_SPEC,
    "role_arn": {"type": "str"},
    "role_session_name": {"type": "str"},
    "duration_seconds": {"type": "int"},
    "external_id": {"type": "str"},
    "policy": {"type": "raw"},
    "policy_arns": {"type": "list", "elements": "str"},
    "tags": {"type": "dict"},
    "transitive_tag_keys": {"type": "list", "elements": "str", "no_log": False},
    "source_identity": {"type": "str"},
    "fact_name": {"type": "str", "default": "aws_mfa_role"},
}

S3_BUCKET_LIST_ARGUMENT_SPEC: Spec = {
    **CONNECTION_ARGUMENT_SPEC,
    "prefix": {"type": "str"},
    "bucket_region": {"type": "str"},
    "max_buckets": {"type": "int"},
    "page_size": {"type": "int", "default": 10000},
}
