#!/usr/bin/python
# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: sts_mfa_session
short_description: Get temporary AWS credentials with an MFA code (STS GetSessionToken)
version_added: 0.1.0
description:
  - Calls STS C(GetSessionToken) with an IAM user's long-term keys and, when given, the serial number and
    current code of the user's MFA device, and registers the temporary credentials as a fact.
  - Credentials from an MFA session carry MFA context, so policies that require C(aws:MultiFactorAuthPresent)
    accept them, and M(mfa.aws.sts_mfa_assume_role) can open roles with them without another code.
  - Runs on the controller, whatever the host. Each code is sent to AWS once, however many hosts run the task;
    the first host makes the call and the others read its credentials from the cache.
  - The task's result is hidden from Ansible's output at every verbosity, as with O(ignore:no_log=true);
    the registered variable and the fact keep the values.
author:
  - mfa.aws contributors (@mfa-aws)
options:
  fact_name:
    description:
      - The name of the fact that receives the credentials dict.
    type: str
    default: aws_mfa_session
extends_documentation_fragment:
  - mfa.aws.session
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
  - module: mfa.aws.sts_mfa_assume_role
  - module: mfa.aws.s3_bucket_list
  - name: GetSessionToken
    description: The STS API this module calls.
    link: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
"""

EXAMPLES = r"""
# ansible-playbook site.yml -e mfa_code=123456
- name: Trade the MFA code for a session
  mfa.aws.sts_mfa_session:
    mfa_serial_number: arn:aws:iam::123456789012:mfa/alice
    mfa_token: "{{ mfa_code }}"
    duration_seconds: 3600
  register: session

- name: List buckets with the session's credentials
  mfa.aws.s3_bucket_list:
    access_key: "{{ session.credentials.access_key }}"
    secret_key: "{{ session.credentials.secret_key }}"
    session_token: "{{ session.credentials.session_token }}"

- name: Give the session to the aws CLI
  ansible.builtin.command: aws s3 ls
  environment: "{{ session.environment }}"
  changed_when: false
"""

RETURN = r"""
credentials:
  description: The temporary credentials; the fact named by O(fact_name) holds the same dict.
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
  description: Who the credentials act as (STS GetCallerIdentity).
  returned: success
  type: dict
  contains:
    account:
      description: The AWS account ID.
      type: str
      sample: "123456789012"
    arn:
      description: The IAM user's ARN.
      type: str
      sample: arn:aws:iam::123456789012:user/alice
    user_id:
      description: The IAM user's unique ID.
      type: str
      sample: AIDAJQABLZS4A3QDU576Q
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
from ansible_collections.mfa.aws.plugins.module_utils._specs import SESSION_OPTIONS
from ansible_collections.mfa.aws.plugins.module_utils._sts.exchange import run_session


def main() -> None:
    sts_module_main(SESSION_OPTIONS, run_session)


if __name__ == "__main__":
    main()
