# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What GetSessionToken takes besides the MFA device.
    DOCUMENTATION = r"""
options:
  duration_seconds:
    description:
      - How long the session's credentials last, from 900 (15 minutes) to 129600 (36 hours).
        When unset, AWS's default of 43200 (12 hours) applies.
      - AWS caps sessions of an account's root user at 3600.
    type: int
notes:
  - AWS refuses C(GetSessionToken) signed with temporary credentials; it needs the IAM user's own keys.
  - With a role O(profile), the session is that of its C(source_profile), with its C(mfa_serial).
"""
