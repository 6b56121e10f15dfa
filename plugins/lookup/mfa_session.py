# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: mfa_session
short_description: Temporary credentials for an IAM user's MFA session
version_added: 0.1.0
description:
  - Returns the credentials of an MFA session (STS GetSessionToken), as M(mfa.aws.sts_mfa_session) returns them.
  - However many hosts and forks evaluate the lookup, each code reaches AWS once; the others wait for that
    call and read its result. Credentials are reused, also by later runs, while they can serve (see O(cache)).
author:
  - mfa.aws contributors (@mfa-aws)
extends_documentation_fragment:
  - mfa.aws.session
  - mfa.aws.connection
  - mfa.aws.mfa
  - mfa.aws.mfa.plugins
  - mfa.aws.cache
  - mfa.aws.cache.plugins
seealso:
  - module: mfa.aws.sts_mfa_session
  - plugin: mfa.aws.mfa_assume_role
    plugin_type: lookup
"""

EXAMPLES = r"""
# ansible-playbook site.yml -e mfa_code=123456
- name: List buckets with an MFA session
  vars:
    session: >-
      {{ lookup('mfa.aws.mfa_session', mfa_serial_number='arn:aws:iam::123456789012:mfa/alice', mfa_token=mfa_code) }}
  mfa.aws.s3_bucket_list:
    access_key: "{{ session.access_key }}"
    secret_key: "{{ session.secret_key }}"
    session_token: "{{ session.session_token }}"
"""

RETURN = r"""
_raw:
  description: The session's credentials dict.
  type: list
  elements: dict
  contains:
    access_key:
      description: The access key ID.
      type: str
    secret_key:
      description: The secret access key.
      type: str
    session_token:
      description: The session token.
      type: str
    expiration:
      description: When the credentials expire, ISO 8601 in UTC.
      type: str
"""

from typing import Any

from ansible_collections.mfa.aws.plugins.module_utils._specs import MODULE_ONLY_OPTIONS, SESSION_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import run_session
from ansible_collections.mfa.aws.plugins.plugin_utils._controller import ON_CONTROLLER
from ansible_collections.mfa.aws.plugins.plugin_utils._lookup import MfaAwsLookup


class LookupModule(MfaAwsLookup):
    options = SESSION_OPTIONS.without(MODULE_ONLY_OPTIONS)

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        params = self.read_options(variables, kwargs)
        result = self.run_exchange(lambda: run_session(params, runtime=ON_CONTROLLER))
        return [result.as_dict()]
