#!/usr/bin/python
# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: s3_bucket_list
short_description: List an account's S3 buckets, with MFA credentials or any others
version_added: 0.1.0
description:
  - Lists the S3 general purpose buckets of the account the credentials belong to, for example the
    credentials registered by M(mfa.aws.sts_mfa_session) or M(mfa.aws.sts_mfa_assume_role).
  - Always pages through C(ListBuckets) with C(ContinuationToken), so it works above S3's 10,000-bucket
    limit for unpaginated listings; O(prefix) and O(bucket_region) are filtered by S3, not on the controller.
  - Runs on the controller, whatever the host.
author:
  - mfa.aws contributors (@mfa-aws)
options:
  prefix:
    description:
      - Only buckets whose names begin with this.
    type: str
  bucket_region:
    description:
      - Only buckets in this region, for example C(eu-west-1). The request goes to that region's endpoint,
        as S3 requires.
    type: str
  max_buckets:
    description:
      - Stop after this many buckets. When unset, every bucket is listed.
    type: int
  page_size:
    description:
      - How many buckets each C(ListBuckets) call asks for, from 1 to 10000.
    type: int
    default: 10000
extends_documentation_fragment:
  - mfa.aws.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Listing changes nothing, so it runs under C(--check) too.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - The calling identity needs C(s3:ListAllMyBuckets).
seealso:
  - module: mfa.aws.sts_mfa_session
  - module: mfa.aws.sts_mfa_assume_role
  - name: ListBuckets
    description: The S3 API this module calls.
    link: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
"""

EXAMPLES = r"""
- name: Trade the MFA code for a session
  mfa.aws.sts_mfa_session:
    mfa_serial_number: arn:aws:iam::123456789012:mfa/alice
    mfa_token: "{{ mfa_code }}"
  register: session

- name: List every bucket with the session
  mfa.aws.s3_bucket_list:
    access_key: "{{ session.credentials.access_key }}"
    secret_key: "{{ session.credentials.secret_key }}"
    session_token: "{{ session.credentials.session_token }}"
  register: listing

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ listing.buckets | map(attribute='name') }}"

- name: The first 100 log buckets in Ireland
  mfa.aws.s3_bucket_list:
    access_key: "{{ session.credentials.access_key }}"
    secret_key: "{{ session.credentials.secret_key }}"
    session_token: "{{ session.credentials.session_token }}"
    prefix: logs-
    bucket_region: eu-west-1
    max_buckets: 100
"""

RETURN = r"""
buckets:
  description: The buckets, in S3's order (by name).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The bucket's name.
      type: str
      sample: alice-data
    creation_date:
      description: When the bucket was created, ISO 8601 in UTC.
      type: str
      sample: "2026-11-25T06:00:00+00:00"
    region:
      description: The bucket's region.
      type: str
      sample: us-east-1
    arn:
      description: The bucket's ARN, where S3 gives one.
      type: str
      returned: when S3 returns it
      sample: arn:aws:s3:::alice-data
count:
  description: How many buckets were listed.
  returned: success
  type: int
  sample: 2
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError
from ansible_collections.mfa.aws.plugins.module_utils._s3 import list_buckets
from ansible_collections.mfa.aws.plugins.module_utils._specs import S3_BUCKET_LIST_OPTIONS


def main() -> None:
    module = AnsibleModule(**S3_BUCKET_LIST_OPTIONS.module_kwargs(), supports_check_mode=True)
    try:
        module.exit_json(**list_buckets(module.params))
    except MfaAwsError as error:
        module.fail_json(msg=str(error))


if __name__ == "__main__":
    main()
