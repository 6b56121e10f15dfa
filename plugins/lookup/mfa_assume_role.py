# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: mfa_assume_role
short_description: Temporary credentials for one or more IAM roles, from one MFA code
version_added: 0.1.0
description:
  - Returns the credentials of each role given, as M(mfa.aws.sts_mfa_assume_role) returns them.
  - The MFA code buys an MFA session (GetSessionToken), cached, and each role is assumed with the session's
    credentials, which satisfy C(aws:MultiFactorAuthPresent); several roles take one code and are assumed
    concurrently. A role that nears its end is assumed again with the session, without a code, for as long
    as the session lasts (O(session_duration_seconds)). A role asked for longer than an hour is assumed with
    the code itself (see O(duration_seconds)).
  - Role sessions are cached in the AWS CLI's own cache under the CLI's key, so the C(aws) CLI and this lookup
    reuse each other's sessions.
  - However many hosts and forks evaluate the lookup, each code reaches AWS once; the others wait for that
    call and read its result. Credentials are reused, also by later runs, while they can serve (see O(cache)),
    and every reference to the lookup's result within one task gets the same credentials.
author:
  - mfa.aws contributors (@mfa-aws)
options:
  _terms:
    description:
      - The ARNs of the roles to assume.
      - May be left out when O(profile) names a role profile of the shared config file
        (C(role_arn), C(source_profile), C(mfa_serial)).
    type: list
    elements: str
    required: false
extends_documentation_fragment:
  - mfa.aws.assume_role
  - mfa.aws.connection
  - mfa.aws.mfa
  - mfa.aws.mfa.plugins
  - mfa.aws.cache
  - mfa.aws.cache.plugins
notes:
  - With C(query) or O(ignore:wantlist=true) the result is always a list, one dict per role.
seealso:
  - module: mfa.aws.sts_mfa_assume_role
  - plugin: mfa.aws.mfa_session
    plugin_type: lookup
"""

EXAMPLES = r"""
# ansible-playbook site.yml -e mfa_code=123456
- name: Use a role's credentials in a task
  vars:
    admin: >-
      {{ lookup('mfa.aws.mfa_assume_role', 'arn:aws:iam::210987654321:role/Admin',
                mfa_serial_number='arn:aws:iam::123456789012:mfa/alice', mfa_token=mfa_code) }}
  mfa.aws.s3_bucket_list:
    access_key: "{{ admin.access_key }}"
    secret_key: "{{ admin.secret_key }}"
    session_token: "{{ admin.session_token }}"

- name: Ten accounts, one code
  ansible.builtin.debug:
    msg: "{{ item.expiration }}"
  loop: "{{ query('mfa.aws.mfa_assume_role', *role_arns, mfa_serial_number=mfa_serial, mfa_token=mfa_code) }}"
  # The credentials come in the order of the roles. Without a label, Ansible prints each item, secret key included.
  loop_control:
    index_var: index
    label: "{{ role_arns[index] }}"

- name: A role profile of ~/.aws/config (role_arn, source_profile, mfa_serial), with only the code
  ansible.builtin.set_fact:
    admin: "{{ lookup('mfa.aws.mfa_assume_role', profile='admin', mfa_token=mfa_code) }}"
"""

RETURN = r"""
_raw:
  description: One credentials dict per role, in the order given.
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

from typing import Any, ClassVar

from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS, MODULE_ONLY_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import run_roles
from ansible_collections.mfa.aws.plugins.plugin_utils._controller import ON_CONTROLLER
from ansible_collections.mfa.aws.plugins.plugin_utils._lookup import MfaAwsLookup


class LookupModule(MfaAwsLookup):
    # The roles are the terms.
    options = ASSUME_ROLE_OPTIONS.without((*MODULE_ONLY_OPTIONS, "role_arn"))
    keyword_hints: ClassVar[dict[str, str]] = {
        **MfaAwsLookup.keyword_hints,
        "role_arn": "the role ARNs are the lookup's terms",
    }

    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        params = self.read_options(variables, kwargs)
        role_arns = [str(term) for term in terms or []]
        results = self.run_exchange(lambda: run_roles(params, role_arns, runtime=ON_CONTROLLER))
        return [result.as_dict() for result in results]
