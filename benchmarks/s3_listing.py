"""s3_listing: every bucket of an account with 25,000 and 100,000 buckets (and 10,000 for reference).

    python -m benchmarks.s3_listing [--repeat 5] [--keep] [--sizes 10000,25000,100000]

For each size, times the task `mfa.aws.s3_bucket_list` in a real ansible-playbook run, boto3's
list_buckets paginator alone in one Python process (MaxBuckets=10000), and amazon.aws' s3_bucket_info,
which sends one unpaginated ListBuckets: S3, and the emulator, refuse that above 10,000 buckets, and the
outcome is recorded as it is. Also records the peak memory of each run's process tree.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import botocore.session

from benchmarks._support import (
    Bench,
    EmulatorProcess,
    Machine,
    Report,
    RunResult,
    Samples,
    World,
    mebibytes,
    median_min,
    ratio,
    require_tools,
    run_python_module,
    seconds,
    table,
    third_party_collections,
    workspace,
)

SIZES = (10_000, 25_000, 100_000)
PAGE_SIZE = 10_000
GOAL = 1.2

CREDENTIALS = """
        access_key: "{{ session.access_key }}"
        secret_key: "{{ session.secret_key }}"
        session_token: "{{ session.session_token }}"
"""
OURS_TASK = "List every bucket with mfa.aws.s3_bucket_list"
OURS_PLAY = f"""
- name: List with mfa.aws
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {OURS_TASK}
      mfa.aws.s3_bucket_list:{CREDENTIALS}
      register: listing
"""
THEIRS_TASK = "List every bucket with amazon.aws.s3_bucket_info"
THEIRS_PLAY = f"""
- name: List with amazon.aws
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {THEIRS_TASK}
      amazon.aws.s3_bucket_info:{CREDENTIALS}
      register: listing
"""
EMPTY_PLAY = """
- name: Nothing
  hosts: localhost
  gather_facts: false
  tasks: []
"""


@dataclass
class Playbook:
    """Repeated ansible-playbook runs of one play."""

    task: str | None
    task_time: Samples = field(default_factory=Samples)
    wall: Samples = field(default_factory=Samples)
    peak_tree: Samples = field(default_factory=Samples)
    peak_process: Samples = field(default_factory=Samples)
    listed: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    failed_task_time: Samples = field(default_factory=Samples)

    def record(self, result: RunResult) -> None:
        self.wall.add(result.wall)
        self.peak_tree.add(result.peak_tree)
        self.peak_process.add(result.peak_process)
        if self.task is None:
            return
        task = result.task(self.task)
        if result.rc == 0:
            self.task_time.add(task.wall)
            for host in task.hosts.values():
                self.listed.add(host.get("count", host.get("buckets", -1)))
        else:
            self.failed_task_time.add(task.wall)
            self.errors.extend(task.messages()[:1] or [f"rc={result.rc}, see {result.run_dir}"])


@dataclass
class Raw:
    """Repeated runs of benchmarks/_raw_list_buckets.py."""

    total: Samples = field(default_factory=Samples)
    listing: Samples = field(default_factory=Samples)
    imports: Samples = field(default_factory=Samples)
    wall: Samples = field(default_factory=Samples)
    peak: Samples = field(default_factory=Samples)
    listed: set[int] = field(default_factory=set)


@dataclass
class Size:
    buckets: int
    world: World
    session: dict[str, str]
    ours: Playbook = field(default_factory=lambda: Playbook(OURS_TASK))
    theirs: Playbook = field(default_factory=lambda: Playbook(THEIRS_TASK))
    empty: Playbook = field(default_factory=lambda: Playbook(None))
    raw: Raw = field(default_factory=Raw)


def mfa_session(world: World) -> dict[str, str]:
    """One MFA session per world, made here with botocore: every listing below signs with it."""
    client = botocore.session.Session().create_client(
        "sts",
        region_name=world.region,
        endpoint_url=world.emulator.endpoint_url,
        aws_access_key_id=world.data["access_key_id"],
        aws_secret_access_key=world.data["secret_access_key"],
    )
    issued = client.get_session_token(SerialNumber=world.mfa_serial, TokenCode=world.fresh_code())["Credentials"]
    return {
        "access_key": issued["AccessKeyId"],
        "secret_key": issued["SecretAccessKey"],
        "session_token": issued["SessionToken"],
    }


def raw_environment(bench: Bench, size: Size) -> dict[str, str]:
    env = bench.environment(None)
    env.update(
        AWS_ACCESS_KEY_ID=size.session["access_key"],
        AWS_SECRET_ACCESS_KEY=size.session["secret_key"],
        AWS_SESSION_TOKEN=size.session["session_token"],
        AWS_DEFAULT_REGION=size.world.region,
        AWS_ENDPOINT_URL=size.world.emulator.endpoint_url,
        BENCH_PAGE_SIZE=str(PAGE_SIZE),
    )
    return env


def measure(bench: Bench, size: Size, repeat: int, with_theirs: bool) -> None:
    extra_vars = {"session": size.session}
    for number in range(repeat + 1):
        keep = number > 0  # the first round warms the page cache and the emulator's sorted index
        label = f"  {size.buckets:>7,} buckets, run {number}{'' if keep else ' (warm-up)'}:"
        empty = bench.run(EMPTY_PLAY, world=None)
        ours = bench.run(OURS_PLAY, world=size.world, extra_vars=extra_vars)
        answer, wall, peak = run_python_module("benchmarks._raw_list_buckets", raw_environment(bench, size))
        theirs = bench.run(THEIRS_PLAY, world=size.world, extra_vars=extra_vars) if with_theirs else None
        print(
            f"{label} empty {seconds(empty.wall)}, ours task {seconds(ours.task(OURS_TASK).wall)} rc={ours.rc} "
            f"({mebibytes(ours.peak_tree)}), raw {seconds(answer['total'])} ({mebibytes(peak)}), amazon.aws "
            + (f"{seconds(theirs.task(THEIRS_TASK).wall)} rc={theirs.rc}" if theirs else "not installed"),
            flush=True,
        )
        if not keep:
            continue
        size.empty.record(empty)
        size.ours.record(ours)
        if theirs is not None:
            size.theirs.record(theirs)
        size.raw.total.add(answer["total"])
        size.raw.listing.add(answer["client"] + answer["list"])
        size.raw.imports.add(answer["import"])
        size.raw.wall.add(wall)
        size.raw.peak.add(peak)
        size.raw.listed.add(answer["count"])


def within(ours: float | None, raw: float | None) -> str:
    return "-" if ours is None or not raw else ("yes" if ours <= GOAL * raw else "no")


def listed(values: set[int]) -> str:
    return ", ".join(f"{value:,}" for value in sorted(values)) or "-"


def size_table(size: Size, with_theirs: bool) -> str:
    ours, raw, theirs, empty = size.ours, size.raw, size.theirs, size.empty
    over_empty = (
        Samples([ours.wall.median - empty.wall.median]) if ours.wall.values and empty.wall.values else Samples()
    )
    rows = [
        [
            "`mfa.aws.s3_bucket_list` task",
            median_min(ours.task_time),
            median_min(ours.wall),
            seconds(over_empty.median),
            f"{mebibytes(ours.peak_tree.median)} / {mebibytes(ours.peak_process.median)}",
            f"{listed(ours.listed)} listed" + (f"; {len(ours.errors)} runs failed" if ours.errors else ""),
        ],
        [
            "boto3 paginator, one process: import + client + pages",
            median_min(raw.total),
            median_min(raw.wall),
            "",
            mebibytes(raw.peak.median),
            f"{listed(raw.listed)} listed",
        ],
        ["boto3 paginator: client + pages only", median_min(raw.listing), "", "", "", ""],
    ]
    if with_theirs:
        if theirs.task_time.values:
            outcome = f"{listed(theirs.listed)} listed"
            time_cell = median_min(theirs.task_time)
        else:
            outcome = f"failed in every run: {theirs.errors[0]}" if theirs.errors else "-"
            time_cell = f"{median_min(theirs.failed_task_time)} (to fail)"
        rows.append(
            [
                "`amazon.aws.s3_bucket_info` task",
                time_cell,
                median_min(theirs.wall),
                seconds(theirs.wall.median - empty.wall.median) if theirs.wall.values else "-",
                f"{mebibytes(theirs.peak_tree.median)} / {mebibytes(theirs.peak_process.median)}",
                outcome,
            ]
        )
    rows.append(
        [
            "empty play (ansible-playbook's own cost)",
            "",
            median_min(empty.wall),
            "",
            f"{mebibytes(empty.peak_tree.median)} / {mebibytes(empty.peak_process.median)}",
            "",
        ]
    )
    headers = [
        "what",
        "task / listing time, median / min",
        "process wall, median / min",
        "playbook minus empty play (medians)",
        "peak RSS: tree / largest process (median)",
        "outcome",
    ]
    return table(headers, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs of each (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the sandbox (playbooks, output, timings)")
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="bucket counts, comma-separated (default %(default)s)",
    )
    arguments = parser.parse_args()
    require_tools()
    with_theirs = third_party_collections() is not None
    counts = [int(value) for value in arguments.sizes.split(",")]
    machine = Machine.describe()
    report = Report(
        "s3_listing",
        "s3_listing: every bucket of a large account",
        "One world per size: an IAM user whose policy requires MFA and that many buckets. One MFA session per "
        "world signs every listing. Per size, each of the following ran "
        f"{arguments.repeat} times, round-robin, after one warm-up round; figures are median / min. "
        "Task time runs from the task's start to the controller receiving its result "
        "(benchmarks/callback_plugins/bench_timer.py). The boto3 baseline is benchmarks/_raw_list_buckets.py: "
        "one Python process that imports boto3, makes an S3 client and pages through ListBuckets with "
        f"MaxBuckets={PAGE_SIZE}, timed inside the process; its process wall adds the interpreter's start. "
        "Peak RSS is sampled every 50 ms over the whole process tree (ansible-playbook, its forked "
        "workers, module processes); the tree figure adds up every process, shared pages included.",
        machine,
    )
    sizes: list[Size] = []
    with workspace("s3_listing", arguments.keep) as workdir, EmulatorProcess(workdir) as emulator:
        bench = Bench(workdir)
        try:
            for count in counts:
                world = emulator.build_world(bucket_count=count, roles=[])
                size = Size(count, world, mfa_session(world))
                measure(bench, size, arguments.repeat, with_theirs)
                sizes.append(size)
        finally:
            bench.close()

    for size in sizes:
        report.add(f"{size.buckets:,} buckets", size_table(size, with_theirs))
    goal_rows = []
    for size in sizes:
        ours, raw = size.ours.task_time, size.raw
        goal_rows.append(
            [
                f"{size.buckets:,}",
                f"{ratio(ours.median, raw.total.median)} / {ratio(ours.min, raw.total.min)}",
                f"{ratio(ours.median, raw.listing.median)} / {ratio(ours.min, raw.listing.min)}",
                f"{within(ours.median, raw.total.median)} / {within(ours.min, raw.total.min)}",
            ]
        )
    report.add(
        f"Goal: the module within {GOAL:g}x of boto3 alone",
        table(
            [
                "buckets",
                "module task / boto3 in one process (import + client + pages): medians / mins",
                "module task / boto3 client + pages only: medians / mins",
                f"<= {GOAL:g}x (first column): medians / mins",
            ],
            goal_rows,
        )
        + "\n\nOn a machine that other work shares, the minimum of each is the steadier figure: "
        "interference only ever adds time.",
    )
    report.write()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
