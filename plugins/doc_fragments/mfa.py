# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The MFA device and its code.
    DOCUMENTATION = r"""
options:
  mfa_serial_number:
    description:
      - The MFA device of the IAM user whose keys sign the call, as its ARN (C(arn:aws:iam::123456789012:mfa/NAME))
        or, for a hardware token, its serial number.
      - Required with O(mfa_token) and O(mfa_token_command).
    type: str
  mfa_token:
    description:
      - The 6-digit code the MFA device shows now, for example from C(ansible-playbook -e mfa_code=123456).
      - AWS accepts a code once. The collection sends each code to AWS at most once, whatever the number
        of hosts and forks, and shares the credentials it bought through the cache.
      - May be left out when the cache holds credentials that can still serve (see O(cache)), or an MFA session
        that can assume the role again.
      - A code already spent is never sent again. A later run given the same code goes on with what it bought
        while that lasts, and otherwise fails at once saying when the code was sent and what has expired.
    type: str
  mfa_token_command:
    description:
      - A command run on the controller, without a shell, whose output is the current 6-digit code, for example
        C(ykman oath accounts code --single NAME) or a password manager's OTP command, so that unattended runs
        need no typing.
      - Run only when a coded call is needed (never when the cache holds usable credentials), and at most once
        per call. If it prints a code that was already sent to AWS, the collection waits for the device's next
        30-second step and runs it again rather than send the same code twice.
      - O(mfa_token) wins when both are set. Its output is never logged.
    type: str
"""

    # Where lookups may also read these options from. None has a vars source: host facts are variables (and
    # outrank inventory and group vars), and nothing a managed host can set may choose the command the
    # controller runs, the code sent with the user's keys, or the device whose lock and record of codes sent
    # guard it.
    PLUGINS = r"""
options:
  mfa_serial_number:
    env:
      - name: MFA_AWS_SERIAL_NUMBER
    ini:
      - section: mfa_aws
        key: mfa_serial_number
  mfa_token:
    env:
      - name: MFA_AWS_TOKEN
  mfa_token_command:
    env:
      - name: MFA_AWS_TOKEN_COMMAND
    ini:
      - section: mfa_aws
        key: mfa_token_command
"""
