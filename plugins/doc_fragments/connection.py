# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Where and as whom to call AWS: the options every plugin of the collection takes.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - The access key ID that signs the calls.
      - For M(mfa.aws.sts_mfa_session) these must be an IAM user's long-term keys (C(AKIA...)).
      - When unset, botocore's own chain is used in its usual order, for example E(AWS_ACCESS_KEY_ID),
        the shared credentials and config files, then container and instance credentials.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - The secret access key that goes with O(access_key).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - The session token of temporary credentials, for example those registered by M(mfa.aws.sts_mfa_session).
    type: str
    aliases: [aws_session_token]
  profile:
    description:
      - A named profile of the shared AWS config and credentials files.
      - Can't be combined with O(access_key).
    type: str
    aliases: [aws_profile]
  region:
    description:
      - The AWS region to call. When unset, E(AWS_DEFAULT_REGION)'s, else the profile's, else C(us-east-1), as
        botocore reads them (botocore does not read E(AWS_REGION)).
      - A name that none of AWS's partitions has (C(eu-west1)) is refused before any call to AWS's own endpoints;
        an endpoint set with O(endpoint_url) or E(AWS_ENDPOINT_URL) is left to judge its own region names.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - Call this URL instead of AWS's endpoint, for example a local emulator such as C(http://127.0.0.1:5000).
      - When unset, botocore's E(AWS_ENDPOINT_URL) settings apply.
    type: str
    aliases: [aws_endpoint_url]
  validate_certs:
    description:
      - Whether to verify the endpoint's TLS certificate.
    type: bool
    default: true
  retries:
    description:
      - How many times botocore's C(standard) retry mode retries a throttled or failed call.
      - A call that carries an MFA code is retried only after throttling or a failed connection, which come
        before AWS checks the code; after a server error or a lost answer, AWS may have accepted the code, so it
        is never sent again and the task asks for the next one.
    type: int
    default: 4
  read_timeout:
    description:
      - How many seconds to wait for AWS's answer once a request is sent, from 1 to 600.
      - An answer that does not come in time counts as a lost answer (see O(retries)).
    type: int
    default: 30
requirements:
  - python >= 3.9
  - botocore >= 1.35.42
"""
