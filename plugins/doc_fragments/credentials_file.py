# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Writing the temporary credentials into a profile, for tools outside Ansible.
    DOCUMENTATION = r"""
options:
  write_profile:
    description:
      - Also write the temporary credentials into this profile of the shared credentials file
        (C(aws_access_key_id), C(aws_secret_access_key), C(aws_session_token) and C(expiration)), so that the
        aws CLI, Terraform or SDK scripts outside Ansible can use them with C(--profile NAME), as aws-mfa does.
      - The file is rewritten atomically with mode 0600 and keeps its other profiles. A profile that holds
        long-term keys is refused before any call to AWS, never overwritten.
      - The task reports C(changed) when the profile was written.
    type: str
  credentials_file:
    description:
      - The shared credentials file that O(write_profile) writes.
      - Defaults to E(AWS_SHARED_CREDENTIALS_FILE), else C(~/.aws/credentials).
    type: path
"""
