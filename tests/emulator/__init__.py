"""A local AWS for MFA: moto's server on 127.0.0.1 plus the rules AWS applies to MFA codes and sessions.

    from tests.emulator import Emulator
    emulator = Emulator.start()
    world = emulator.build_world()          # user, keys, MFA device, buckets, roles in other accounts
    code = world.totp()                     # the device's current code

See docs/emulator.md for what it enforces and how to run it from the command line.
"""

from tests.emulator.calls import ListingCall, StsCall
from tests.emulator.server import Emulator
from tests.emulator.world import DEFAULT_ROLES, RoleInfo, RoleSpec, World

__all__ = ["DEFAULT_ROLES", "Emulator", "ListingCall", "RoleInfo", "RoleSpec", "StsCall", "World"]
