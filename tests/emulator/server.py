"""The emulator as tests and the command line use it: start, build worlds, inspect and disturb, stop."""

import threading
from collections.abc import Collection
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.emulator import mfa
from tests.emulator.app import EmulatorApp
from tests.emulator.calls import ListingCall, StsCall
from tests.emulator.clock import Clock
from tests.emulator.principals import Principal
from tests.emulator.world import RoleSpec, World, build_world

DEFAULT_REGION = "eu-west-1"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per request would bury test output
        pass


class Emulator:
    """moto's server plus AWS's MFA rules, on 127.0.0.1, in a thread of this process.

    moto keeps its state in module globals, so run one Emulator per process.
    """

    def __init__(self, server: BaseWSGIServer, app: EmulatorApp, region: str) -> None:
        self._server = server
        self._app = app
        self.region = region
        host, port = server.server_address[:2]
        self.endpoint_url = f"http://{host}:{port}"
        self.worlds: list[World] = []
        self._taken_accounts: set[str] = set()
        self._world_lock = threading.Lock()
        self._thread = threading.Thread(target=server.serve_forever, name="aws-emulator", daemon=True)

    @classmethod
    def start(cls, *, host: str = "127.0.0.1", port: int = 0, region: str = DEFAULT_REGION) -> "Emulator":
        holder: dict[str, Emulator] = {}

        def control(method: str, name: str, arguments: dict[str, Any]) -> Any:
            return holder["emulator"].control(method, name, arguments)

        app = EmulatorApp(control)
        server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        emulator = cls(server, app, region)
        holder["emulator"] = emulator
        emulator._thread.start()
        return emulator

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- state ---------------------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        return self._app.clock

    def build_world(self, **options: Any) -> World:
        """A new IAM user with keys and an MFA device, its buckets, and roles (see world.build_world)."""
        with self._world_lock:
            world = build_world(self, taken=self._taken_accounts, **options)
            self.worlds.append(world)
        return world

    def register_principal(self, principal: Any) -> None:
        """Make credentials known to the emulator (root keys, which moto's IAM does not model)."""
        self._app.principals.issue(principal)

    def issued(self, access_key_id: str) -> Principal | None:
        """The temporary credentials issued under this access key id (with their secret key, session token and
        expiry), or None: which keys belong together, for tests that check a client never mixed two sets."""
        principal = self._app.principals.find(access_key_id)
        return principal if principal is not None and principal.temporary else None

    def code(self, serial: str, steps: int = 0) -> str:
        """The current TOTP of the device with this serial, by the emulator's clock."""
        for world in self.worlds:
            if world.mfa_serial == serial and world.mfa_seed:
                return mfa.totp(world.mfa_seed, self.clock.now() + steps * mfa.STEP)
        raise KeyError(f"no world holds the MFA device {serial}")

    # -- observation and faults ------------------------------------------------------------------------

    def calls(
        self, *, action: str | None = None, coded: bool | None = None, account_ids: Collection[str] | None = None
    ) -> list[StsCall]:
        """STS calls answered so far, oldest first."""
        return self._app.log.select(action=action, coded=coded, account_ids=account_ids)

    def listings(self, *, account_ids: Collection[str] | None = None) -> list[ListingCall]:
        """ListBuckets calls answered so far, oldest first, with their query parameters and signing region."""
        return self._app.listings.select(account_ids=account_ids)

    def reset_calls(self) -> None:
        self._app.log.reset()
        self._app.listings.reset()

    def set_latency(self, seconds: float) -> None:
        """Delay every STS and ListBuckets answer by `seconds`."""
        self._app.faults.set_latency(seconds)

    def inject_throttling(self, count: int) -> None:
        """The next `count` STS or ListBuckets calls answer Throttling (S3: SlowDown); 0 cancels."""
        self._app.faults.inject_throttling(count)

    def inject_server_errors(self, count: int, status: int = 500) -> None:
        """The next `count` STS or ListBuckets calls answer HTTP `status`; 0 cancels."""
        self._app.faults.inject_server_errors(count, status)

    def lose_answers(
        self, count: int, how: str, *, status: int = 500, seconds: float = 0.0, coded_only: bool = True
    ) -> None:
        """Handle the next `count` calls (STS calls carrying an MFA code, unless coded_only=False: any STS or
        ListBuckets call), spending the code, then lose their answers: "server-error" answers `status` instead,
        "dropped" closes the connection without an answer, "delayed" answers `seconds` late, "cut-short" and
        "cut-off" end the answer just after its secret key (with a Content-Length of what is sent, or of the
        whole answer and the connection closed), "damaged" breaks a closing tag after the secret key."""
        self._app.faults.lose_answers(count, how, status=status, seconds=seconds, coded_only=coded_only)

    def issued_secret_keys(self) -> list[str]:
        """The secret keys of every temporary credential issued so far, for tests that look for leaks."""
        return self._app.principals.issued_secret_keys()

    def set_skew(self, seconds: float) -> None:
        """Shift the time against which request signatures are dated, as if AWS's clock were off."""
        self._app.faults.skew = float(seconds)

    def reset_faults(self) -> None:
        self._app.faults.reset()

    # -- HTTP controls (/_emulator/...) ---------------------------------------------------------------

    def control(self, method: str, name: str, arguments: dict[str, Any]) -> Any:
        if name == "state":
            return {
                "endpoint_url": self.endpoint_url,
                "region": self.region,
                "clock_offset": self.clock.offset,
                "now": self.clock.now(),
                "worlds": [world.to_dict() for world in self.worlds],
            }
        if name in ("calls", "listings"):
            accounts = arguments.get("account_ids")
            if isinstance(accounts, str):
                accounts = accounts.split(",")
            found = self.calls(account_ids=accounts) if name == "calls" else self.listings(account_ids=accounts)
            return [call.to_dict() for call in found]
        if name == "code":
            return {"code": self.code(arguments["serial"], int(arguments.get("steps", 0)))}
        if method != "POST":
            raise ValueError(f"{name} takes POST")
        if name == "world":
            roles = [RoleSpec(**spec) for spec in arguments.pop("roles", [])] or None
            return self.build_world(roles=roles, **arguments).to_dict()
        if name == "clock/advance":
            self.clock.advance(float(arguments["seconds"]))
        elif name == "latency":
            self.set_latency(float(arguments["seconds"]))
        elif name == "throttle":
            self.inject_throttling(int(arguments["count"]))
        elif name == "server-errors":
            self.inject_server_errors(int(arguments["count"]), int(arguments.get("status", 500)))
        elif name == "lose-answers":
            self.lose_answers(
                int(arguments["count"]),
                str(arguments["how"]),
                status=int(arguments.get("status", 500)),
                seconds=float(arguments.get("seconds", 0)),
                coded_only=_flag(arguments.get("coded_only", True)),
            )
        elif name == "skew":
            self.set_skew(float(arguments["seconds"]))
        elif name == "reset":
            self.reset_faults()
            self.reset_calls()
        else:
            raise KeyError(f"unknown control {name!r}")
        return {"ok": True}


def _flag(value: Any) -> bool:
    """A boolean from JSON, or from a query string's text."""
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "")
    return bool(value)
