"""Runs the real ansible-playbook (and other Ansible CLIs) as a subprocess inside a Sandbox."""

import json
import os
import signal
import subprocess
import textwrap
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.harness.collection import CollectionTree
from tests.harness.contracts import EmulatorLike, FakedTimeLike, WorldLike
from tests.harness.inventory import render_inventory
from tests.harness.paths import ansible_command
from tests.harness.result import PlaybookResult, PlaybookTimeout
from tests.harness.sandbox import (
    PASSWD_HOME_ENV,
    RESULTS_ENV,
    Sandbox,
    account_home_env,
    make_sandbox,
    sandbox_env,
)
from tests.harness.terminal import Terminal

#: Environment overrides: a value of None removes the variable.
EnvOverrides = Mapping[str, str | None]


class AnsibleRunner:
    """One test's way to run Ansible: a private sandbox, the collection, and optionally the emulator.

    Every run gets its own numbered directory under ``sandbox.runs`` (playbook, inventory, extra
    vars, results), while HOME and so ~/.aws and ~/.ansible persist across the runs of one test, as
    they would for a user running playbooks one after another.
    """

    def __init__(
        self,
        workdir: Path,
        collections: CollectionTree,
        emulator: EmulatorLike | None = None,
        clock: FakedTimeLike | None = None,
    ) -> None:
        self.sandbox: Sandbox = make_sandbox(workdir)
        self.collections = collections
        self.emulator = emulator
        #: With a clock (tests/harness/clock.py), every process a run starts tells the time by it.
        self.clock = clock
        self._run_count = 0

    def environment(
        self, *, world: WorldLike | None = None, env: EnvOverrides | None = None, results_dir: Path | None = None
    ) -> dict[str, str]:
        """The exact environment a run gets: the sandbox's, the clock's, then the world's AWS keys, then `env`."""
        result = sandbox_env(self.sandbox, self.collections)
        if self.clock is not None:
            result.update(self.clock.env())
        if world is not None:
            result.update(world.env())
            # botocore (>= 1.31) sends every service to AWS_ENDPOINT_URL when it is set.
            result["AWS_ENDPOINT_URL"] = self._require_emulator().endpoint_url
        if results_dir is not None:
            result[RESULTS_ENV] = str(results_dir)
        for name, value in (env or {}).items():
            if value is None:
                result.pop(name, None)
            elif name == "PYTHONPATH":
                # Kept first, before the password-database shim, which every run keeps.
                result.update(account_home_env(Path(result[PASSWD_HOME_ENV]), value))
            else:
                result[name] = value
        return result

    def run(
        self,
        playbook: str | Path,
        *,
        extra_vars: Mapping[str, Any] | None = None,
        hosts: int = 0,
        forks: int = 5,
        verbosity: int = 0,
        check: bool = False,
        env: EnvOverrides | None = None,
        world: WorldLike | None = None,
        args: Sequence[str] = (),
        timeout: float = 300,
        terminal: Terminal | None = None,
    ) -> PlaybookResult:
        """Run ansible-playbook on `playbook` (YAML text, dedented, or a Path) against `hosts` local hosts.

        Hosts are host01..hostNN in `all` and in the group `targets`; the implicit localhost is
        always there too. Never raises for a failed playbook: check `rc` or call `assert_ok()`.
        With a `terminal`, the run has a pseudo-terminal as its controlling terminal (stdout and stderr
        go to it too), and the terminal answers its prompts; otherwise stdin is closed.
        """
        run_dir = self._new_run_dir()
        inventory = run_dir / "inventory.yml"
        inventory.write_text(render_inventory(hosts), encoding="utf-8")
        command = [*ansible_command("ansible-playbook"), "-i", str(inventory), "--forks", str(forks)]
        if extra_vars is not None:
            # Through a file, never the command line: values keep their JSON types, and secrets
            # such as MFA codes stay out of the process list.
            vars_file = run_dir / "extra-vars.json"
            vars_file.write_text(json.dumps(extra_vars, indent=2), encoding="utf-8")
            command += ["--extra-vars", f"@{vars_file}"]
        if check:
            command.append("--check")
        if verbosity > 0:
            command.append("-" + "v" * verbosity)
        command += [*args, str(self._place_playbook(playbook, run_dir))]
        return self._execute(command, run_dir=run_dir, world=world, env=env, timeout=timeout, terminal=terminal)

    def run_cli(
        self,
        tool: str,
        *args: str,
        env: EnvOverrides | None = None,
        world: WorldLike | None = None,
        timeout: float = 120,
    ) -> PlaybookResult:
        """Run another Ansible CLI (``ansible-galaxy``, ``ansible-doc``, ``ansible`` ...) in the same sandbox."""
        return self._execute(
            [*ansible_command(tool), *args], run_dir=self._new_run_dir(), world=world, env=env, timeout=timeout
        )

    def _execute(
        self,
        command: list[str],
        *,
        run_dir: Path,
        world: WorldLike | None,
        env: EnvOverrides | None,
        timeout: float,
        terminal: Terminal | None = None,
    ) -> PlaybookResult:
        results_dir = run_dir / "results"
        results_dir.mkdir()
        run_env = self.environment(world=world, env=env, results_dir=results_dir)
        (run_dir / "command.json").write_text(json.dumps({"argv": command, "env": run_env}, indent=2), encoding="utf-8")
        calls_before, listings_before = len(self._calls(world)), len(self._listings(world))
        started = time.monotonic()
        if terminal is not None:
            rc, stdout = terminal.run(command, env=run_env, cwd=run_dir, timeout=timeout)
            return self._result(
                command, rc, stdout, "", run_dir, results_dir, started, world, calls_before, listings_before
            )
        # A session of its own, so that a timeout kills ansible's forked workers along with it;
        # no stdin, so that nothing can ever wait for a prompt.
        process = subprocess.Popen(
            command,
            cwd=run_dir,
            env=run_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
        timed_out = False
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        result = self._result(
            command,
            process.returncode,
            stdout,
            stderr,
            run_dir,
            results_dir,
            started,
            world,
            calls_before,
            listings_before,
        )
        if timed_out:
            raise PlaybookTimeout(result.describe(f"killed after the {timeout:g}s timeout"))
        return result

    def _result(
        self,
        command: list[str],
        rc: int,
        stdout: str,
        stderr: str,
        run_dir: Path,
        results_dir: Path,
        started: float,
        world: WorldLike | None,
        calls_before: int,
        listings_before: int,
    ) -> PlaybookResult:
        calls, listings = self._calls(world), self._listings(world)
        return PlaybookResult(
            command=command,
            rc=rc,
            stdout=stdout,
            stderr=stderr,
            run_dir=run_dir,
            results_dir=results_dir,
            duration=time.monotonic() - started,
            # Calls are only ever appended, so the new ones are those past the earlier count
            # (unless the log was reset meanwhile, in which case every call is new).
            calls=calls[calls_before:] if len(calls) >= calls_before else calls,
            listings=listings[listings_before:] if len(listings) >= listings_before else listings,
        )

    def _calls(self, world: WorldLike | None) -> list[Any]:
        if self.emulator is None:
            return []
        if world is None:
            return list(self.emulator.calls())
        return list(self.emulator.calls(account_ids=world.account_ids()))

    def _listings(self, world: WorldLike | None) -> list[Any]:
        if self.emulator is None:
            return []
        return list(self.emulator.listings(account_ids=None if world is None else world.account_ids()))

    def _require_emulator(self) -> EmulatorLike:
        if self.emulator is None:
            raise RuntimeError("running with a world needs the emulator: request the `world` or `emulator` fixture")
        return self.emulator

    def _new_run_dir(self) -> Path:
        self._run_count += 1
        run_dir = self.sandbox.runs / f"{self._run_count:03d}"
        run_dir.mkdir(parents=True)
        return run_dir

    @staticmethod
    def _place_playbook(playbook: str | Path, run_dir: Path) -> Path:
        if isinstance(playbook, Path):
            return playbook.resolve()
        if "\n" not in playbook and playbook.strip().endswith((".yml", ".yaml")):
            raise TypeError(f"{playbook!r} looks like a file name; pass a Path to run a playbook file")
        path = run_dir / "playbook.yml"
        path.write_text(textwrap.dedent(playbook).lstrip("\n"), encoding="utf-8")
        return path
