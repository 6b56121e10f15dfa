# Copyright: mfa.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the MFA code from a command on the controller (mfa_token_command), as aws-vault's mfa_process does.

For the collection's own use. The command runs without a shell; what it prints is never logged or put
into an error message, since a password manager may print more than the code.
"""

from __future__ import annotations

import subprocess
from typing import Sequence

from ansible_collections.mfa.aws.plugins.module_utils._errors import MfaAwsError

#: Long enough for a hardware key that waits for a touch.
TIMEOUT = 60


def run_token_command(argv: Sequence[str]) -> str:
    name = argv[0]
    try:
        finished = subprocess.run(
            list(argv), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise MfaAwsError(f"mfa_token_command: {name} was not found on the controller's PATH") from None
    except PermissionError:
        raise MfaAwsError(f"mfa_token_command: {name} is not executable") from None
    except subprocess.TimeoutExpired:
        raise MfaAwsError(f"mfa_token_command: {name} printed no code within {TIMEOUT} seconds") from None
    except OSError as error:
        raise MfaAwsError(f"mfa_token_command: {name} could not be run: {error.strerror or error}") from None
    if finished.returncode != 0:
        raise MfaAwsError(f"mfa_token_command: {name} exited with status {finished.returncode}")
    return finished.stdout
