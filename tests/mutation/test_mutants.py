"""The mutation tool's own checks: which mutants it makes, their ids, the file -> tests map, the kill rate."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.mutation.__main__ import plan_run
from tests.mutation.mutants import find_mutants
from tests.mutation.plugin import TIMED_OUT
from tests.mutation.results import kill_rate, load_equivalents
from tests.mutation.runner import MutationError, Targets, Workspace, _end_group

REPO = Path(__file__).resolve().parents[2]


def mutants_of(code: str) -> list[tuple[str, str, str]]:
    source = textwrap.dedent(code).encode("utf-8")
    return [(m.operator, m.before, m.after) for m in find_mutants("plugins/module_utils/_example.py", source)]


def changes(code: str, operator: str) -> list[str]:
    return [after for op, _before, after in mutants_of(code) if op == operator]


def test_comparisons_cross_their_boundary_or_turn_around():
    code = """
    def f(a, b):
        return a < b, a <= b, a > b, a >= b, a == b, a != b, a is b, a is not b, a in b, a not in b
    """
    got = [after.split(", ")[index].removeprefix("return ") for index, after in enumerate(changes(code, "compare"))]
    assert got == [
        *("a <= b", "a < b", "a >= b", "a > b"),
        *("a != b", "a == b", "a is not b", "a is b", "a not in b", "a in b"),
    ]


def test_a_chained_comparison_gets_one_mutant_per_operator():
    assert changes("def f(low, n, high):\n    return low <= n <= high\n", "compare") == [
        "return low < n <= high",
        "return low <= n < high",
    ]


def test_boolean_operators_swap_along_the_whole_chain():
    assert changes("def f(a, b, c):\n    return a and b and (c or a)\n", "boolop") == [
        "return a or b or (c or a)",
        "return a and b and (c and a)",
    ]


def test_conditions_are_negated_once_and_a_not_is_dropped():
    code = """
    def f(a, b):
        if a < b:
            pass
        if not a:
            pass
        if a is None:
            pass
        while True:
            pass
        return [x for x in b if x], not (a or b)
    """
    assert changes(code, "negate") == [
        "if not (a < b):",
        "if a:",
        # `a is None` and `while True` are already negated by their compare and boolean mutants.
        "return [x for x in b if not (x)], not (a or b)",
        "return [x for x in b if x], (a or b)",
    ]


def test_numbers_move_by_one_in_their_own_base():
    code = "MODE = 0o600\nLIMIT = 4096\nTICK = 0.05\nMASK = 0xFF\n"
    assert changes(code, "number") == ["MODE = 0o601", "LIMIT = 4097", "TICK = 1.05", "MASK = 0x100"]


def test_arithmetic_swaps_but_never_on_strings():
    code = """
    def f(a, b):
        a += 1
        return a - b, a * b, a // b, a & b, "x" + b, f"{a}" + b
    """
    assert changes(code, "arith") == [
        "a -= 1",
        'return a + b, a * b, a // b, a & b, "x" + b, f"{a}" + b',
        'return a - b, a / b, a // b, a & b, "x" + b, f"{a}" + b',
        'return a - b, a * b, a * b, a & b, "x" + b, f"{a}" + b',
        'return a - b, a * b, a // b, a | b, "x" + b, f"{a}" + b',
    ]


def test_statements_with_an_effect_are_dropped_and_assignments_to_names_are_not():
    code = """
    def f(self, items, x):
        y = x
        self.value = y
        items[0] = y
        items.append(y)
        del items[0]
        for item in items:
            continue
    """
    assert [before for op, before, _after in mutants_of(code) if op == "drop"] == [
        "self.value = y",
        "items[0] = y",
        "items.append(y)",
        "del items[0]",
        "continue",
    ]


def test_returns_become_none_and_raises_go():
    code = """
    def f(x):
        if x:
            raise ValueError(
                "no"
            )
        return x.strip()
    """
    found = mutants_of(code)
    assert ("raise", 'raise ValueError(\n"no"\n)', "pass") in found
    assert ("return", "return x.strip()", "return None") in found


def test_min_and_max_swap():
    assert changes("def f(a):\n    return min(a, 900)\n", "minmax") == ["return max(a, 900)"]


def test_docstrings_annotations_imports_type_checking_and_all_are_left_alone():
    code = '''
    """Module docstring 1 < 2."""
    from typing import TYPE_CHECKING
    import os

    __all__ = ["f"]

    if TYPE_CHECKING:
        X = 1 + 2

    def f(a: int | None = None, b: "list[int]" = ()) -> dict[str, int] | None:
        """Docstring."""
        value: int | None = a
        return value
    '''
    assert mutants_of(code) == [("return", "return value", "return None")]


def test_a_mutant_is_a_one_line_diff_and_applies_to_the_source():
    source = b"def f(a):\n    if a > 1:\n        raise ValueError(\n            a\n        )\n"
    mutants = find_mutants("x.py", source)
    compare = next(m for m in mutants if m.operator == "compare")
    assert compare.diff() == "- if a > 1:\n+ if a >= 1:"
    assert compare.apply(source) == source.replace(b"a > 1", b"a >= 1")
    raised = next(m for m in mutants if m.operator == "raise")
    assert raised.diff() == "- raise ValueError( …\n+ pass"
    assert b"pass" in raised.apply(source) and b"ValueError" not in raised.apply(source)


def test_ids_survive_edits_elsewhere_and_tell_identical_lines_apart():
    code = "def f(a):\n    if a > 1:\n        a.x()\n    if a > 1:\n        a.x()\n"
    before = find_mutants("plugins/module_utils/_example.py", code.encode())
    after = find_mutants("plugins/module_utils/_example.py", ("import os\n\n\n" + code).encode())
    assert [m.id for m in before] == [m.id for m in after]
    assert [m.line for m in after] == [m.line + 3 for m in before]
    assert len({m.id for m in before}) == len(before)
    assert before[0].id.startswith("example-negate-")


def test_non_ascii_text_before_an_operator_keeps_offsets_right():
    source = 'def f(a):\n    return ("é" if a else "ü") and a < 2\n'.encode()
    mutant = next(m for m in find_mutants("x.py", source) if m.operator == "compare")
    assert mutant.apply(source).decode() == 'def f(a):\n    return ("é" if a else "ü") and a <= 2\n'


def test_every_core_file_maps_to_tests_that_exist():
    targets = Targets.load()
    files = targets.core_files(REPO)
    assert "plugins/module_utils/_validation.py" in files and "bin/mfa-aws-credentials" in files
    for file in files:
        tests = targets.tests_for(file, REPO)
        assert all((REPO / test.split("::")[0]).is_file() for test in tests), file


def test_a_file_without_a_target_is_refused():
    with pytest.raises(MutationError, match="no \\[\\[target\\]\\]"):
        Targets.load().target_for("plugins/module_utils/_unknown.py")


def test_the_committed_equivalents_all_give_a_reason(tmp_path):
    load_equivalents()  # raises on an entry without one
    bad = tmp_path / "equivalent.yaml"
    bad.write_text("x-drop-12345678:\n  file: x.py\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs a reason"):
        load_equivalents(bad)


def test_mutants_named_run_alone_however_many_files_follow():
    files = ["plugins/plugin_utils/_controller.py", "plugins/plugin_utils/_lock.py", "plugins/plugin_utils/_lookup.py"]
    first = find_mutants(files[0], (REPO / files[0]).read_bytes())[0]
    plan, unknown = plan_run(files, [first.id])
    assert [(file, [mutant.id for mutant in mutants]) for file, mutants in plan] == [(files[0], [first.id])]
    assert unknown == []
    assert plan_run(files, [first.id, "lock-number-00000000"])[1] == ["lock-number-00000000"]
    everything, unknown = plan_run(files, [])
    assert [file for file, _mutants in everything] == files and unknown == []


def test_kill_rate_counts_timeouts_as_kills_and_leaves_out_equivalents():
    mutants = [{"status": s} for s in ("killed", "timeout", "survived", "equivalent", "killed")]
    assert kill_rate(mutants) == (3, 4)


def test_the_report_counts_only_mutants_the_code_still_has_and_says_which_are_untried():
    from tests.mutation.results import Results, render_report, source_digest

    def mutant(ident, status):
        return {"id": ident, "line": 1, "operator": "drop", "diff": "- x()\n+ pass", "status": status}

    entry = {"commit": "abc1234", "source": source_digest(b"old"), "clean_seconds": 10.0, "clean_failed": [],
             "clean_skipped": []}
    entry["mutants"] = [mutant("x-drop-gone", "survived"), mutant("x-drop-kept", "killed")]
    report = render_report(Results({"files": {"x.py": entry}}), {}, ["x.py"], {"x.py": b"new"},
                           {"x.py": {"x-drop-kept", "x-drop-new"}})
    row = next(line for line in report.splitlines() if line.startswith("| x.py "))
    assert row == "| x.py | 2 | 0 | 1 (0) | 0 | **100%** | abc1234 (file changed since), 1 new not run | 10 s |"
    assert "x-drop-gone" not in report


def test_the_private_copy_holds_the_files_as_they_are_and_a_mutant_is_undone(tmp_path):
    repo = tmp_path / "repo"
    (repo / "plugins").mkdir(parents=True)
    (repo / ".gitignore").write_text(".venv/\n", encoding="utf-8")
    (repo / "plugins" / "x.py").write_text("def f(a):\n    return a > 1\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    (repo / "plugins" / "x.py").write_text("def f(a):\n    return a > 2\n", encoding="utf-8")  # not committed
    (repo / "plugins" / "new.py").write_text("X = 1\n", encoding="utf-8")  # not tracked
    (repo / ".venv").mkdir()
    (repo / ".venv" / "big").write_text("ignored", encoding="utf-8")

    workspace = Workspace(repo, tmp_path / "copy")
    copied = workspace.root / "plugins" / "x.py"
    assert copied.read_text(encoding="utf-8") == "def f(a):\n    return a > 2\n"
    assert (workspace.root / "plugins" / "new.py").exists() and not (workspace.root / ".venv").exists()

    mutant = next(m for m in find_mutants("plugins/x.py", copied.read_bytes()) if m.operator == "compare")
    with pytest.raises(RuntimeError), workspace.mutated(mutant):
        assert copied.read_text(encoding="utf-8") == "def f(a):\n    return a >= 2\n"
        raise RuntimeError
    assert copied.read_text(encoding="utf-8") == "def f(a):\n    return a > 2\n"
    assert (repo / "plugins" / "x.py").read_text(encoding="utf-8") == "def f(a):\n    return a > 2\n"


def test_runs_follow_the_plan_and_a_test_past_its_limit_ends_the_run(tmp_path):
    repo = tmp_path / "repo"
    (repo / "tests" / "mutation").mkdir(parents=True)
    shutil.copy(Path(__file__).with_name("plugin.py"), repo / "tests" / "mutation" / "plugin.py")
    (repo / "test_a.py").write_text(
        "import time\n\n"
        "def test_first():\n    pass\n\ndef test_second():\n    pass\n\ndef test_third():\n    assert False\n\n"
        "def test_hangs():\n    time.sleep(600)\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    workspace = Workspace(repo, tmp_path / "copy")

    plan = {"order": ["test_a.py::test_second", "test_a.py::test_first"], "only": True}
    returncode, record, _seconds, _output = workspace.pytest(["test_a.py"], plan, stop_first=True, timeout=None)
    assert returncode == 0 and record is not None
    assert list(record["tests"]) == ["test_a.py::test_second", "test_a.py::test_first"]

    plan = {"order": ["test_a.py::test_third"], "only": False}
    returncode, record, _seconds, _output = workspace.pytest(["test_a.py"], plan, stop_first=True, timeout=None)
    assert returncode == 1 and record is not None
    assert record["first_failure"] == "test_a.py::test_third" and list(record["tests"]) == ["test_a.py::test_third"]

    plan = {"order": ["test_a.py::test_hangs"], "only": True, "limits": {"test_a.py::test_hangs": 0.5}}
    returncode, record, _seconds, _output = workspace.pytest(["test_a.py"], plan, stop_first=True, timeout=None)
    assert returncode == TIMED_OUT and record is not None
    assert record["timed_out"] == "test_a.py::test_hangs (past its 0.5 s limit)"


def test_a_run_past_its_limit_is_ended_with_everything_it_started(tmp_path):
    pid_file = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen(['sleep', 'infinity'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    while not pid_file.exists() or not pid_file.read_text(encoding="utf-8"):
        assert process.poll() is None, "the stand-in for pytest died early"
        time.sleep(0.05)
    child = int(pid_file.read_text(encoding="utf-8"))

    watch = os.pidfd_open(child)  # readable once the child has exited, though it is not ours to reap
    try:
        _end_group(process)

        assert process.returncode is not None
        # SIGKILL leaves it no choice; the bound only keeps a broken _end_group from hanging the suite.
        assert select.select([watch], [], [], 60)[0] == [watch], "the run's child outlived it"
    finally:
        os.close(watch)
