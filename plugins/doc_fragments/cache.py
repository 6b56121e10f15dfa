# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Credential reuse across processes and runs.
    DOCUMENTATION = r"""
options:
  cache:
    description:
      - Reuse temporary credentials across hosts, forks and runs while they have more than 15 minutes left, or,
        for credentials shorter-lived than 45 minutes, more than a third of their lifetime (300 seconds of 900).
      - Within one task, every reference to the credentials gets the same set.
      - Role credentials are kept in the AWS CLI's own cache format and key, so the C(aws) CLI and this
        collection reuse each other's role sessions.
      - When false, credentials are not written to disk; a code can then serve only one call.
    type: bool
    default: true
  cache_dir:
    description:
      - The cache directory, created with mode 0700; files are written with mode 0600.
      - The default is the AWS CLI's own cache.
    type: path
    default: ~/.aws/cli/cache
"""

    # Where lookups may also read these options from.
    PLUGINS = r"""
options:
  cache:
    env:
      - name: MFA_AWS_CACHE
    ini:
      - section: mfa_aws
        key: cache
  cache_dir:
    env:
      - name: MFA_AWS_CACHE_DIR
    ini:
      - section: mfa_aws
        key: cache_dir
"""
