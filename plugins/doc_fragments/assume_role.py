# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What AssumeRole takes besides the role and the MFA device.
    DOCUMENTATION = r"""
options:
  role_session_name:
    description:
      - The name of the role session, seen in CloudTrail and in the assumed role's ARN.
      - When unset, a name such as C(mfa-aws-1764050000) is made up and, as the AWS CLI does with its own,
        left out of the cache key, so the CLI's cached session for the same role is reused.
    type: str
  duration_seconds:
    description:
      - How long the role's credentials last, from 900 to the role's maximum session duration (at most 43200).
      - With an MFA device and 3600 or less (AWS's default, used when unset), the code buys an MFA session and
        the role is assumed with the session's credentials; when the role nears its end it is assumed again with
        the session, without a code, for as long as the session lasts (O(session_duration_seconds)).
      - AWS caps a role assumed with temporary credentials (an MFA session's or another role's) at 3600. Longer
        roles are therefore assumed with the code itself, last what was asked, and need a new code after; with
        temporary credentials, or with several roles and one code, a longer request is refused before any code
        is sent.
    type: int
  session_duration_seconds:
    description:
      - How long the MFA session lasts that the code buys, from 900 to 129600 (36 hours), for roles assumed
        through it (see O(duration_seconds)). One code keeps the run going for this long.
      - When unset, AWS's default of 43200 (12 hours) applies, and the session is shared with
        M(mfa.aws.sts_mfa_session) and the P(mfa.aws.mfa_session#lookup) lookup run without O(duration_seconds).
    type: int
  external_id:
    description:
      - The external ID the role's trust policy requires, if any.
    type: str
  policy:
    description:
      - An inline session policy, as JSON text or as a dictionary, that further limits the session.
    type: raw
  policy_arns:
    description:
      - ARNs of managed policies that further limit the session (at most 10).
    type: list
    elements: str
  tags:
    description:
      - Session tags, as a dictionary of keys and values.
    type: dict
  transitive_tag_keys:
    description:
      - Keys of O(tags) that pass on to roles assumed from this session.
    type: list
    elements: str
  source_identity:
    description:
      - A source identity that stays with the session through role chaining, as the trust policy may require.
      - 2 to 256 characters of letters, digits and C(+=,.@_-), not starting with C(aws:).
    type: str
"""
