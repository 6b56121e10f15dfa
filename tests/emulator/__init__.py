"""A local AWS for MFA: moto's server on 127.0.0.1 plus the rules AWS applies to MFA codes and sessions.

    from tests.emulator import Emulator
    emulator = Emulator.start()
    world = emulator.build_world()          # user, keys, MFA device, buckets, roles in other accounts
    code = world.totp()                     # the device's current code

See docs/emulator.md for what it enforces and how to run it from the command line.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.emulator.calls import ListingCall, StsCall
    from tests.emulator.server import Emulator
    from tests.emulator.world import DEFAULT_ROLES, RoleInfo, RoleSpec, World

__all__ = ["DEFAULT_ROLES", "Emulator", "ListingCall", "RoleInfo", "RoleSpec", "StsCall", "World"]

# Each name's module, loaded when the name is first used: `python -m tests.emulator code` and `env` run this
# file too, and need none of moto, which loading the server costs about a second of CPU.
_MODULES = {
    "DEFAULT_ROLES": "world",
    "Emulator": "server",
    "ListingCall": "calls",
    "RoleInfo": "world",
    "RoleSpec": "world",
    "StsCall": "calls",
    "World": "world",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tests.emulator.{_MODULES[name]}"), name)
    globals()[name] = value
    return value
