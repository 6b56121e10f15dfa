"""What mutation runs found, kept in the repository: results.json (the data), RESULTS.md (the report read by people)
and equivalent.yaml (mutants that change nothing, each with its reason, written by people)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.mutation.mutants import Mutant
from tests.mutation.runner import EQUIVALENT, KILLED, SURVIVED, TIMEOUT, Clean, Outcome

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"
REPORT = HERE / "RESULTS.md"
EQUIVALENTS = HERE / "equivalent.yaml"


def source_digest(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()[:16]


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, dict[str, str]]:
    """id -> {file, mutation, reason}. Every entry needs a reason: an equivalent mutant is a claim to justify."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    equivalents: dict[str, dict[str, str]] = {}
    for mutant_id, entry in (data or {}).items():
        if not isinstance(entry, dict) or not str(entry.get("reason") or "").strip():
            raise ValueError(f"{path.name}: {mutant_id} needs a reason: why the change makes no difference")
        equivalents[str(mutant_id)] = {key: str(value) for key, value in entry.items()}
    return equivalents


def mutant_record(mutant: Mutant, outcome: Outcome | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": mutant.id,
        "line": mutant.line,
        "operator": mutant.operator,
        "diff": mutant.diff(),
        "status": outcome.status if outcome else EQUIVALENT,
    }
    if outcome is not None:
        record["seconds"] = outcome.seconds
        if outcome.killed_by:
            record["killed_by"] = outcome.killed_by
    return record


@dataclass
class Results:
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path = RESULTS) -> Results:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        data.setdefault("files", {})
        return cls(data)

    def save(self, path: Path = RESULTS) -> None:
        self.data["files"] = dict(sorted(self.data["files"].items()))
        path.write_text(json.dumps(self.data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def test_seconds(self, file: str) -> dict[str, float]:
        return dict(self.data["files"].get(file, {}).get("test_seconds", {}))

    def record_file(
        self,
        file: str,
        *,
        source: bytes,
        commit: str,
        tests: list[str],
        clean: Clean,
        timeout: float,
        records: list[dict[str, Any]],
    ) -> None:
        """A whole file's run: replaces what an earlier run of that file found."""
        self.data["files"][file] = {
            "commit": commit,
            "source": source_digest(source),
            "tests": tests,
            "clean_seconds": clean.seconds,
            "timeout_seconds": round(timeout),
            "clean_failed": clean.failed,
            "clean_skipped": clean.skipped,
            "test_seconds": clean.test_seconds,
            "mutants": records,
        }

    def update_mutant(self, file: str, record: dict[str, Any]) -> bool:
        """One mutant run again (after a test was added, say). False if its file has no run to update."""
        entry = self.data["files"].get(file)
        if entry is None:
            return False
        mutants = entry["mutants"]
        for index, existing in enumerate(mutants):
            if existing["id"] == record["id"]:
                mutants[index] = record
                return True
        mutants.append(record)
        mutants.sort(key=lambda item: item["line"])
        return True


def _counts(mutants: list[dict[str, Any]]) -> dict[str, int]:
    counts = {status: 0 for status in (KILLED, TIMEOUT, SURVIVED, EQUIVALENT)}
    for mutant in mutants:
        counts[mutant["status"]] += 1
    return counts


def kill_rate(mutants: list[dict[str, Any]]) -> tuple[int, int]:
    """(killed, non-equivalent): a timeout is a kill, since the suite would not have passed."""
    counts = _counts(mutants)
    return counts[KILLED] + counts[TIMEOUT], len(mutants) - counts[EQUIVALENT]


def _percent(killed: int, total: int) -> str:
    return f"{100 * killed / total:.0f}%" if total else "-"


def _effective(mutants: list[dict[str, Any]], equivalents: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """A survivor that equivalent.yaml now explains counts as equivalent, without running anything again."""
    return [
        {**mutant, "status": EQUIVALENT} if mutant["status"] == SURVIVED and mutant["id"] in equivalents else mutant
        for mutant in mutants
    ]


def _diff_block(diff: str) -> list[str]:
    return ["  ```diff", *(f"  {line}" for line in diff.split("\n")), "  ```"]


def render_report(
    results: Results,
    equivalents: dict[str, dict[str, str]],
    core: list[str],
    sources: dict[str, bytes],
    current: dict[str, set[str]],
) -> str:
    """RESULTS.md: the kill rate per file, every survivor, every equivalent mutant with its reason.

    `current` holds each file's mutant ids as its source is now: results for lines since changed or removed no
    longer count, and the mutants of new lines that no run has tried yet are said as not run.
    """
    mutant_counts = {file: len(ids) for file, ids in current.items()}
    files = {
        file: {
            **entry,
            "mutants": [m for m in _effective(entry["mutants"], equivalents) if m["id"] in current.get(file, set())],
            "untried": len(current.get(file, set()) - {m["id"] for m in entry["mutants"]}),
        }
        for file, entry in results.data["files"].items()
    }
    lines = [
        "# Mutation testing: results",
        "",
        "Written by `make mutation` (see [README.md](README.md)); do not edit by hand. Kill rate = killed /"
        " non-equivalent mutants; a mutant whose tests ran past the time limit counts as killed. Equivalent mutants"
        " and their reasons live in [equivalent.yaml](equivalent.yaml).",
        "",
        "| file | mutants | equivalent | killed (timeouts) | survived | kill rate | run at | clean run |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    total_killed = total_counted = 0
    for file in core:
        entry = files.get(file)
        if entry is None:
            state = "not run" if mutant_counts.get(file) else "no mutants"
            lines.append(f"| {file} | {mutant_counts.get(file, 0)} | | | | {state} | | |")
            continue
        counts = _counts(entry["mutants"])
        killed, counted = kill_rate(entry["mutants"])
        total_killed += killed
        total_counted += counted
        changed = " (file changed since)" if source_digest(sources.get(file, b"")) != entry["source"] else ""
        if entry["untried"]:
            changed += f", {entry['untried']} new not run"
        lines.append(
            f"| {file} | {mutant_counts.get(file, 0)} | {counts[EQUIVALENT]} | {killed} ({counts[TIMEOUT]}) |"
            f" {counts[SURVIVED]} | **{_percent(killed, counted)}** | {entry['commit']}{changed} |"
            f" {entry['clean_seconds']:.0f} s |"
        )
    lines.append(f"| **all files run** | | | {total_killed} | | **{_percent(total_killed, total_counted)}** | | |")

    lines += [
        "",
        "## Survivors",
        "",
        "Each is a change to the code that no test noticed: a test to add, or an equivalent mutant to explain in"
        " equivalent.yaml.",
        "",
    ]
    for file in core:
        survivors = [m for m in files.get(file, {}).get("mutants", []) if m["status"] == SURVIVED]
        if survivors:
            lines += [f"### {file}", ""]
            for mutant in survivors:
                lines += [
                    f"- line {mutant['line']}, {mutant['operator']}, `{mutant['id']}`",
                    *_diff_block(mutant["diff"]),
                ]
            lines.append("")

    lines += [
        "## Equivalent mutants",
        "",
        "Each changes nothing a caller or a user can see, for the reason given.",
        "",
    ]
    for file in core:
        equivalent = [m for m in files.get(file, {}).get("mutants", []) if m["status"] == EQUIVALENT]
        if equivalent:
            lines += [f"### {file}", ""]
            for mutant in equivalent:
                reason = " ".join(equivalents.get(mutant["id"], {}).get("reason", "(no reason: entry removed)").split())
                lines += [f"- line {mutant['line']}, {mutant['operator']}, `{mutant['id']}`: {reason}"]
                lines += _diff_block(mutant["diff"])
            lines.append("")

    found = {m["id"]: m for entry in files.values() for m in entry["mutants"]}
    stale = sorted(i for i, entry in equivalents.items() if entry.get("file") in files and i not in found)
    if stale:
        lines += [
            "## Equivalent entries that match no mutant any more",
            "",
            "Their line changed or went: find the mutant again with `--list`, then re-key the entry or drop it.",
            "",
            *(f"- `{i}` ({equivalents[i].get('file')})" for i in stale),
            "",
        ]
    wrong = sorted(i for i in equivalents if found.get(i, {}).get("status") in (KILLED, TIMEOUT))
    if wrong:
        lines += [
            "## Listed as equivalent, yet a test kills them",
            "",
            "A test tells these apart from the code, so they are not equivalent: drop their entries.",
            "",
            *(f"- `{i}`: killed by `{found[i].get('killed_by')}`" for i in wrong),
            "",
        ]

    excluded = [(file, entry) for file, entry in files.items() if entry["clean_failed"]]
    if excluded:
        lines += ["## Tests left out because they failed on the unmutated code", ""]
        for file, entry in excluded:
            lines += [f"- {file}: " + ", ".join(f"`{test}`" for test in entry["clean_failed"])]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
