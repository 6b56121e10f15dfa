"""What the benchmarks share: the emulator in a subprocess, isolated ansible-playbook runs, figures, tables.

Every ansible-playbook run is confined as the test harness confines it (tests/harness): a private HOME
with its own ~/.aws and ~/.ansible, an environment built from nothing, and ANSIBLE_COLLECTIONS_PATH
pointing at an ansible_collections tree whose mfa/aws is a symlink to this checkout. The benchmarks add
the tree of the `ansible` package (amazon.aws, community.aws) when it is installed, and a callback of
their own (callback_plugins/bench_timer.py) that times each task.
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness.collection import make_collection_tree, remove_collection_tree
from tests.harness.inventory import render_inventory
from tests.harness.paths import PYTHON, REPO_ROOT, ansible_command
from tests.harness.sandbox import make_sandbox, sandbox_env

try:
    import psutil
except ImportError:  # said once, when a benchmark starts
    psutil = None

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
CALLBACK_DIR = BENCH_DIR / "callback_plugins"
TIMINGS_ENV = "MFA_AWS_BENCH_TIMINGS"
#: A TOTP step: moving the emulator's clock this far makes the device show a code it has not accepted yet.
MFA_STEP = 30
#: How often the process tree's memory is sampled.
MEMORY_INTERVAL = 0.05


def require_tools() -> None:
    """Stop early, with the fix, when the Python running the benchmark lacks what it needs."""
    missing = [name for name in ("psutil", "moto", "ansible") if importlib.util.find_spec(name) is None]
    if not (PYTHON.parent / "ansible-playbook").is_file():
        missing.append("ansible-core (ansible-playbook beside this Python)")
    if missing:
        sys.exit(
            f"{PYTHON} lacks {', '.join(missing)}: make a venv of its own for the benchmarks and run\n"
            f"  pip install -r {BENCH_DIR.relative_to(REPO_ROOT)}/requirements.txt\n(see benchmarks/README.md)"
        )


# -- figures -----------------------------------------------------------------------------------------


@dataclass
class Samples:
    """Repeated measurements of one thing; None values (a run that did not produce it) are left out."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def min(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def max(self) -> float | None:
        return max(self.values) if self.values else None


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def mebibytes(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:.0f} MiB"


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}x"


def median_min(samples: Samples, unit: Any = seconds) -> str:
    return f"{unit(samples.median)} / {unit(samples.min)}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join([" --- "] * len(headers)) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# -- the machine ---------------------------------------------------------------------------------------


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def third_party_collections() -> Path | None:
    """The directory holding ansible_collections/amazon/aws, as the `ansible` package installs it."""
    for entry in sys.path:
        if entry and (Path(entry) / "ansible_collections" / "amazon" / "aws" / "MANIFEST.json").is_file():
            return Path(entry)
    return None


def collection_version(namespace: str, name: str) -> str:
    root = third_party_collections()
    manifest = root / "ansible_collections" / namespace / name / "MANIFEST.json" if root else None
    if manifest is None or not manifest.is_file():
        return "not installed"
    return json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"]


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _checkout() -> str:
    def git(*arguments: str) -> str:
        done = subprocess.run(["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "plugins")
    return f"{commit}, plugins/ with uncommitted changes" if changed else f"{commit}, plugins/ as committed"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


@dataclass
class Machine:
    rows: list[tuple[str, str]]

    @classmethod
    def describe(cls) -> Machine:
        memory = f"{psutil.virtual_memory().total / 2**30:.1f} GiB" if psutil else "unknown"
        return cls(
            [
                ("date (UTC)", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")),
                ("nproc", str(len(os.sched_getaffinity(0)))),
                ("CPU", _cpu_model()),
                ("memory", memory),
                ("OS", platform.platform(terse=True)),
                ("Python", platform.python_version()),
                ("ansible-core", _version("ansible-core")),
                ("boto3 / botocore", f"{_version('boto3')} / {_version('botocore')}"),
                ("moto (emulator)", _version("moto")),
                (
                    "amazon.aws / community.aws",
                    f"{collection_version('amazon', 'aws')} / {collection_version('community', 'aws')}",
                ),
                ("checkout", _checkout()),
                ("load average at start (1, 5, 15 min)", _load()),
            ]
        )

    def finish(self) -> None:
        self.rows.append(("load average at end (1, 5, 15 min)", _load()))

    def markdown(self) -> str:
        return table(["machine", ""], self.rows)


class Report:
    """A results document: printed as it is written, and saved to benchmarks/results/<name>.md."""

    def __init__(self, name: str, title: str, summary: str, machine: Machine) -> None:
        self.name, self.title, self.summary, self.machine = name, title, summary, machine
        self.sections: list[tuple[str, str]] = []

    def add(self, heading: str, body: str) -> None:
        self.sections.append((heading, body.strip()))
        print(f"\n## {heading}\n\n{body.strip()}\n", flush=True)

    def write(self) -> Path:
        self.machine.finish()
        parts = [
            f"# {self.title}",
            f"Written by `python -m benchmarks.{self.name}`; see [the benchmarks' README](../README.md).",
            self.summary.strip(),
            *(f"## {heading}\n\n{body}" for heading, body in self.sections),
            "## Machine\n\n" + self.machine.markdown(),
        ]
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.md"
        path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        print(f"\n## Machine\n\n{self.machine.markdown()}\n\nwritten to {path.relative_to(REPO_ROOT)}", flush=True)
        return path


# -- memory --------------------------------------------------------------------------------------------


class PeakMemory:
    """Samples the resident memory of a process and all its descendants until stopped.

    `tree` is the peak of the sum of the RSS of every process in the tree (forked workers share pages
    with the controller, so this is an upper bound); `process` is the peak RSS of the largest single one.
    """

    def __init__(self, pid: int, interval: float = MEMORY_INTERVAL) -> None:
        self.pid, self.interval = pid, interval
        self.tree = 0
        self.process = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, name="peak-memory", daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _sample_until_stopped(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval):
                return

    def _sample(self) -> None:
        if psutil is None:
            return
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        sizes = []
        for process in processes:
            with contextlib.suppress(psutil.Error):
                sizes.append(process.memory_info().rss)
        if sizes:
            self.tree = max(self.tree, sum(sizes))
            self.process = max(self.process, *sizes)


# -- the emulator --------------------------------------------------------------------------------------


class EmulatorProcess:
    """`python -m tests.emulator serve` in a subprocess of its own, driven over its /_emulator/ controls.

    A process of its own keeps the emulator's work (signing checks, building pages of buckets) off the
    interpreter that runs the benchmark and samples memory.
    """

    def __init__(self, workdir: Path) -> None:
        self._state_file = workdir / "emulator-state.json"
        self._log = (workdir / "emulator.log").open("w", encoding="utf-8")
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.process = subprocess.Popen(
            [str(PYTHON), "-m", "tests.emulator", "serve", "--world", "none", "--state-file", str(self._state_file)],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not self._state_file.is_file():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"the emulator did not start; see {workdir / 'emulator.log'}")
            time.sleep(0.05)
        self.endpoint_url: str = json.loads(self._state_file.read_text(encoding="utf-8"))["endpoint_url"]

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def control(self, name: str, payload: Mapping[str, Any] | None = None, **query: Any) -> Any:
        url = f"{self.endpoint_url}/_emulator/{name}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=data, method="POST" if payload is not None else "GET")
        with self._opener.open(request, timeout=300) as answer:
            return json.load(answer)

    def build_world(self, **options: Any) -> World:
        return World(self, self.control("world", options))

    def set_latency(self, value: float) -> None:
        self.control("latency", {"seconds": value})

    def advance_clock(self, value: float) -> None:
        self.control("clock/advance", {"seconds": value})

    def code(self, serial: str) -> str:
        return self.control("code", serial=serial)["code"]

    def calls(self, account_ids: set[str]) -> list[dict[str, Any]]:
        return self.control("calls", account_ids=",".join(sorted(account_ids)))


class World:
    """A world the emulator built: an IAM user with keys and an MFA device, buckets, roles."""

    def __init__(self, emulator: EmulatorProcess, data: dict[str, Any]) -> None:
        self.emulator = emulator
        self.bucket_count = len(data.pop("buckets", []))
        self.data = data
        self.mfa_serial: str = data["mfa_serial"]
        self.region: str = data["region"]
        self.role_arns: dict[str, str] = {name: role["arn"] for name, role in data["roles"].items()}

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.data["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": self.data["secret_access_key"],
            "AWS_DEFAULT_REGION": self.region,
            # botocore sends every service here when it is set.
            "AWS_ENDPOINT_URL": self.emulator.endpoint_url,
        }

    def account_ids(self) -> set[str]:
        return {self.data["account_id"], *(role["account_id"] for role in self.data["roles"].values())}

    def fresh_code(self) -> str:
        """A code the device has not shown before: the emulator's clock moves one TOTP step first."""
        self.emulator.advance_clock(MFA_STEP)
        return self.emulator.code(self.mfa_serial)

    def calls(self) -> list[dict[str, Any]]:
        return self.emulator.calls(self.account_ids())


# -- reference lookups ----------------------------------------------------------------------------------

#: A collection of the benchmarks' own beside mfa.aws, with lookups that show what any collection's lookup costs.
FLOOR = "bench.floor"

_TINY_LOOKUP = '''
DOCUMENTATION = r"""
name: tiny
short_description: A lookup that returns a fixed credentials dict
description:
  - What a one-file collection lookup with tiny documentation costs a worker.
options:
  _terms:
    description: Ignored.
"""

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [{"access_key": "AKIAEXAMPLE"}]
'''

_NO_WORK_LOOKUP = '''
DOCUMENTATION = r"""{documentation}"""

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        # What Ansible charges any lookup with these options: their documentation parsed, then read.
        self.set_options(var_options=variables, direct=kwargs)
        return [{{"access_key": "AKIAEXAMPLE"}}]
'''


def _documentation(path: Path) -> str:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return node.value.value
    raise ValueError(f"{path} has no DOCUMENTATION")


def make_floor_collection(root: Path) -> None:
    """`bench.floor.tiny` and `bench.floor.nowork` under `root`/ansible_collections.

    nowork carries mfa.aws.mfa_assume_role's DOCUMENTATION as the checkout has it (its doc fragments
    included, read from mfa.aws) and calls set_options, then returns: what a lookup with these options costs
    before it does any work of its own.
    """
    lookups = root / "ansible_collections" / "bench" / "floor" / "plugins" / "lookup"
    lookups.mkdir(parents=True, exist_ok=True)
    (lookups / "tiny.py").write_text(_TINY_LOOKUP.lstrip(), encoding="utf-8")
    documentation = _documentation(REPO_ROOT / "plugins" / "lookup" / "mfa_assume_role.py")
    documentation = documentation.replace("name: mfa_assume_role", "name: nowork", 1)
    (lookups / "nowork.py").write_text(_NO_WORK_LOOKUP.format(documentation=documentation).lstrip(), encoding="utf-8")


# -- ansible-playbook runs -----------------------------------------------------------------------------


@dataclass
class TaskTiming:
    name: str
    action: str
    wall: float | None
    hosts: dict[str, dict[str, Any]]

    def count(self, status: str) -> int:
        return sum(1 for host in self.hosts.values() if host.get("status") == status)

    def messages(self) -> list[str]:
        return [host["msg"] for host in self.hosts.values() if host.get("msg")]


@dataclass
class RunResult:
    rc: int
    wall: float
    #: CPU time (user + system) of ansible-playbook and every process it waited for: its forked workers.
    cpu: float
    tasks: list[TaskTiming]
    peak_tree: int
    peak_process: int
    calls: list[dict[str, Any]]
    run_dir: Path

    def task(self, name: str) -> TaskTiming:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(f"no task {name!r} ran; see {self.run_dir}")

    def count_calls(self, action: str | None = None, coded: bool | None = None, outcome: str | None = None) -> int:
        return sum(
            1
            for call in self.calls
            if (action is None or call["action"] == action)
            and (coded is None or call["coded"] == coded)
            and (outcome is None or (call["outcome"] == "ok") == (outcome == "ok"))
        )


class Bench:
    """Runs ansible-playbook in one private sandbox, timing each task and sampling the tree's memory."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sandbox = make_sandbox(workdir / "sandbox")
        self.collections = make_collection_tree(workdir / "collections")
        make_floor_collection(self.collections.root)
        self._runs = 0

    def close(self) -> None:
        remove_collection_tree(self.collections)

    def clear_credentials_cache(self) -> None:
        """Forget every cached credential and spent code, so the next run talks to STS again."""
        shutil.rmtree(self.sandbox.aws_dir / "cli", ignore_errors=True)

    def environment(self, world: World | None) -> dict[str, str]:
        env = sandbox_env(self.sandbox, self.collections)
        paths = [str(self.collections.root)]
        third_party = third_party_collections()
        if third_party is not None:
            paths.append(str(third_party))
        env["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join(paths)
        env["ANSIBLE_CALLBACK_PLUGINS"] = str(CALLBACK_DIR)
        env["ANSIBLE_CALLBACKS_ENABLED"] = "bench_timer"
        if world is not None:
            env.update(world.env())
        return env

    def run(
        self,
        playbook: str,
        *,
        world: World | None,
        hosts: int = 0,
        forks: int = 5,
        extra_vars: Mapping[str, Any] | None = None,
        timeout: float = 1200,
    ) -> RunResult:
        self._runs += 1
        run_dir = self.sandbox.runs / f"{self._runs:03d}"
        run_dir.mkdir(parents=True)
        (run_dir / "playbook.yml").write_text(playbook.lstrip("\n"), encoding="utf-8")
        (run_dir / "inventory.yml").write_text(render_inventory(hosts), encoding="utf-8")
        command = [*ansible_command("ansible-playbook"), "-i", "inventory.yml", "--forks", str(forks)]
        if extra_vars is not None:
            # Through a file: values keep their JSON types, and codes and keys stay off the process list.
            (run_dir / "extra-vars.json").write_text(json.dumps(extra_vars), encoding="utf-8")
            command += ["--extra-vars", "@extra-vars.json"]
        command.append("playbook.yml")
        env = self.environment(world)
        timings = run_dir / "timings.json"
        env[TIMINGS_ENV] = str(timings)
        calls_before = len(world.calls()) if world is not None else 0
        with (run_dir / "stdout.txt").open("w") as stdout, (run_dir / "stderr.txt").open("w") as stderr:
            used_before = children_cpu()
            started = time.perf_counter()
            process = subprocess.Popen(
                command,
                cwd=run_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
            with PeakMemory(process.pid) as memory:
                try:
                    rc = process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    raise RuntimeError(f"ansible-playbook outlived {timeout:g}s; see {run_dir}") from None
            wall = time.perf_counter() - started
            cpu = children_cpu() - used_before
        if not timings.is_file():
            tail = (run_dir / "stdout.txt").read_text()[-2000:] + (run_dir / "stderr.txt").read_text()[-2000:]
            raise RuntimeError(f"ansible-playbook (rc={rc}) reached no play recap; see {run_dir}\n{tail}")
        document = json.loads(timings.read_text(encoding="utf-8"))
        tasks = []
        for entry in document["tasks"]:
            ends = [host["ended"] for host in entry["hosts"].values() if "ended" in host]
            wall_time = max(ends) - entry["started"] if ends else None
            tasks.append(TaskTiming(entry["name"], entry["action"], wall_time, entry["hosts"]))
        calls = world.calls()[calls_before:] if world is not None else []
        return RunResult(rc, wall, cpu, tasks, memory.tree, memory.process, calls, run_dir)


def children_cpu() -> float:
    """User + system CPU of every child process this one has waited for (and of theirs), in seconds.

    A busy machine stretches wall time; the CPU a run used moves far less with the other load.
    """
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_python_module(module: str, env: Mapping[str, str], timeout: float = 1200) -> tuple[dict[str, Any], float, int]:
    """Run `python -m module` (which prints one JSON object); its answer, wall time and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(PYTHON), "-m", module],
        cwd=REPO_ROOT,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with PeakMemory(process.pid) as memory:
        stdout, stderr = process.communicate(timeout=timeout)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"python -m {module} failed (rc={process.returncode}):\n{stderr[-3000:]}")
    return json.loads(stdout), wall, memory.tree


@contextlib.contextmanager
def workspace(name: str, keep: bool) -> Iterator[Path]:
    """A temporary directory for one benchmark's sandbox and emulator log; removed unless `keep`."""
    path = Path(tempfile.mkdtemp(prefix=f"mfa-aws-bench-{name}-"))
    try:
        yield path
    finally:
        if keep:
            print(f"sandbox kept in {path}", flush=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
