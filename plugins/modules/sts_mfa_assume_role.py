#!/usr/bin/python
# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: sts_mfa_assume_role
short_description: Assume an IAM role with an MFA code (STS AssumeRole)
version_added: 0.1.0
description:
  - Calls STS C(AssumeRole) with the serial number and current code of the caller's MFA device, or with
    credentials that already carry MFA context (from M(mfa.aws.sts_mfa_session)), and registers the role's
    temporary credentials as a fact.
  - Runs on the controller, whatever the host. Each code is sent to AWS once, however many hosts run the task.
  - Role credentials are cached in the AWS CLI's own cache and format, so the C(aws) CLI and this module reuse
    each other's role sessions.
  - The task's result is hidden from Ansible's output at every verbosity, as with O(ignore:no_log=true);
    the registered variable and the fact keep the values.
author:
  - mfa.aws contributors (@mfa-aws)
options:
  role_arn:
    description:
      - The ARN of the role to assume.
      - Required, unless O(profile) names a role profile of the shared config file (C(role_arn) with
        C(source_profile), and C(mfa_serial), C(duration_seconds), C(external_id), C(role_session_name) when
        set), which is then read as the AWS CLI reads it.
    type: str
  fact_name:
    description:
      - The name of the fact that receives the credentials dict.
    type: str
    default: aws_mfa_role
extends_documentation_fragment:
  - mfa.aws.assume_role
  - mfa.aws.connection
  - mfa.aws.mfa
  - mfa.aws.cache
  - mfa.aws.credentials_file
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.facts
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Returns real credentials under C(--check), so later tasks keep working.
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: all
seealso:
  - module: mfa.aws.sts_mfa_session
  - module: mfa.aws.s3_bucket_list
  - name: AssumeRole
    description: The STS API this module calls.
    link: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
"""

EXAMPLES = r"""
# ansible-playbook site.yml -e mfa_code=123456
- name: Assume a role that requires MFA
  mfa.aws.sts_mfa_assume_role:
    role_arn: arn:aws:iam::210987654321:role/Admin
    mfa_serial_number: arn:aws:iam::123456789012:mfa/alice
    mfa_token: "{{ mfa_code }}"

  register: admin

- name: List the other account's buckets
  mfa.aws.s3_bucket_list:
    access_key: "{{ admin.credentials.access_key }}"
    secret_key: "{{ admin.credentials.secret_key }}"
    session_token: "{{ admin.credentials.session_token }}"

# One code, many roles: an MFA session first, then each role without a code.
- name: Trade the code for a session
  mfa.aws.sts_mfa_session:
    mfa_serial_number: arn:aws:iam::123456789012:mfa/alice
    mfa_token: "{{ mfa_code }}"
  register: session

# Each item shows as "(item=(censored due to no_log))": its result holds the role's secret key, so Ansible
# hides it, label and all. That is not a failure; a failed item shows its role.
- name: Open every account's role with the session
  mfa.aws.sts_mfa_assume_role:
    role_arn: "{{ item }}"
    access_key: "{{ session.credentials.access_key }}"
    secret_key: "{{ session.credentials.secret_key }}"
    session_token: "{{ session.credentials.session_token }}"
  loop:
    - arn:aws:iam::210987654321:role/Admin
    - arn:aws:iam::345678901234:role/Admin
  register: role_sessions

# A loop over credentials needs a label: without one, Ansible prints each item, secret key included.
- name: List each account's buckets
  mfa.aws.s3_bucket_list:
    access_key: "{{ item.credentials.access_key }}"
    secret_key: "{{ item.credentials.secret_key }}"
    session_token: "{{ item.credentials.session_token }}"
  loop: "{{ role_sessions.results }}"
  loop_control:
    label: "{{ item.identity.arn }}"
"""

RETURN = r"""
credentials:
  description: The role's temporary credentials; the fact named by O(fact_name) holds the same dict.
  returned: success
  type: dict
  contains:
    access_key:
      description: The access key ID.
      type: str
      sample: ASIAIOSFODNN7EXAMPLE
    secret_key:
      description: The secret access key.
      type: str
      sample: wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
    session_token:
      description: The session token.
      type: str
      sample: AQoEXAMPLEH4aoAH0gNCAPy...
    expiration:
      description: When the credentials expire, ISO 8601 in UTC.
      type: str
      sample: "2026-11-25T18:06:10+00:00"
identity:
  description: The assumed role session the credentials act as.
  returned: success
  type: dict
  contains:
    account:
      description: The role's account ID.
      type: str
      sample: "210987654321"
    arn:
      description: The assumed role session's ARN.
      type: str
      sample: arn:aws:sts::210987654321:assumed-role/Admin/mfa-aws-1764050000
    user_id:
      description: The assumed role ID, C(ROLEID:SESSIONNAME).
      type: str
      sample: AROA3XFRBF535PLBIFPI4:mfa-aws-1764050000
environment:
  description: The credentials as environment variables, for the C(environment) keyword and the aws CLI.
  returned: success
  type: dict
  sample:
    AWS_ACCESS_KEY_ID: ASIAIOSFODNN7EXAMPLE
    AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
    AWS_SESSION_TOKEN: AQoEXAMPLEH4aoAH0gNCAPy...
cached:
  description: Whether the credentials came from the cache rather than a new STS call.
  returned: success
  type: bool
  sample: false
profile:
  description: The profile O(write_profile) wrote, and the file that holds it.
  returned: when O(write_profile) is set
  type: dict
  contains:
    name:
      description: The profile's name.
      type: str
      sample: mfa
    file:
      description: The shared credentials file.
      type: str
      sample: /home/alice/.aws/credentials
error:
  description: What AWS answered when a call failed, as amazon.aws modules return it; the traceback is in C(exception).
  returned: when a call to AWS failed with an answer from AWS
  type: dict
  contains:
    code:
      description: AWS's error code.
      type: str
      sample: AccessDenied
    request_id:
      description: The ID of AWS's request, for AWS support and CloudTrail.
      type: str
      sample: 4b5c7a2e-0000-4a4b-9d3e-1c2f3a4b5c6d
"""

from ansible_collections.mfa.aws.plugins.module_utils._results import sts_module_main
from ansible_collections.mfa.aws.plugins.module_utils._specs import ASSUME_ROLE_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import run_role


def main() -> None:
    sts_module_main(ASSUME_ROLE_OPTIONS, run_role)


if __name__ == "__main__":
    main()
