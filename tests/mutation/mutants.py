"""The mutants of one Python file: small changes to its source that a good test suite notices.

Each mutant is found on the file's AST and applied as a splice of the source text, so the rest of the file
keeps its exact bytes and a mutant reads as a one-line diff. Only changes that alter behaviour are made:
nothing in docstrings, type annotations, imports or `if TYPE_CHECKING:` blocks, and no string is touched
(error wording is pinned by the tests that read it, not by mutation).

Operators:
  compare  a comparison moved across its boundary or turned around (< to <=, == to !=, in to not in)
  boolop   `and` and `or` swapped
  negate   a condition negated (`if x` to `if not (x)`), or a `not` dropped
  number   a number moved by one (a window, a limit, a mode bit, an index)
  boolean  True and False swapped
  arith    + and -, * and /, & and |, << and >> swapped (never on strings)
  minmax   min() and max() swapped
  drop     a statement dropped: a call for its effect, an attribute or item set, +=, del, break, continue
  return   a return value replaced by None
  raise    an exception not raised
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

OPERATORS = ("compare", "boolop", "negate", "number", "boolean", "arith", "minmax", "drop", "return", "raise")

_COMPARE_SWAP: dict[type[ast.cmpop], tuple[str, str]] = {
    ast.Lt: (r"<(?!=)", "<="),
    ast.LtE: (r"<=", "<"),
    ast.Gt: (r">(?!=)", ">="),
    ast.GtE: (r">=", ">"),
    ast.Eq: (r"==", "!="),
    ast.NotEq: (r"!=", "=="),
    ast.Is: (r"\bis\b", "is not"),
    ast.IsNot: (r"\bis\s+not\b", "is"),
    ast.In: (r"\bin\b", "not in"),
    ast.NotIn: (r"\bnot\s+in\b", "in"),
}
_ARITH_SWAP: dict[type[ast.operator], tuple[str, str]] = {
    ast.Add: (r"\+", "-"),
    ast.Sub: (r"-", "+"),
    ast.Mult: (r"\*(?!\*)", "/"),
    ast.Div: (r"/(?!/)", "*"),
    ast.FloorDiv: (r"//", "*"),
    ast.BitAnd: (r"&", "|"),
    ast.BitOr: (r"\|", "&"),
    ast.LShift: (r"<<", ">>"),
    ast.RShift: (r">>", "<<"),
}
_BOOLOP_SWAP: dict[type[ast.boolop], tuple[str, str]] = {
    ast.And: (r"\band\b", "or"),
    ast.Or: (r"\bor\b", "and"),
}
# Comparisons whose compare mutant is their negation.
_COMPLEMENTED = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)
# Operands that need no parentheses once the `not` in front of them is dropped.
_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)


@dataclass(frozen=True)
class Mutant:
    """One change to one file. `start`/`end` are byte offsets into the file's UTF-8 source."""

    file: str
    operator: str
    line: int
    start: int
    end: int
    replacement: str
    #: The lines the change touches, as they read before and after it (each stripped, blanks collapsed).
    before: str
    after: str
    #: Stable across edits elsewhere in the file: file, operator and the line's text, not its number.
    id: str

    def apply(self, source: bytes) -> bytes:
        return source[: self.start] + self.replacement.encode("utf-8") + source[self.end :]

    def diff(self) -> str:
        """The change as a one-line diff: a statement over several lines shows its first line, then `…`."""
        return f"- {_first_line(self.before)}\n+ {_first_line(self.after)}"


@dataclass(frozen=True)
class _Change:
    operator: str
    start: int
    end: int
    replacement: str


def _first_line(text: str) -> str:
    first, _newline, rest = text.partition("\n")
    return f"{first} …" if rest else first


def _normalize(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


def mutant_id(file: str, operator: str, before: str, after: str, occurrence: int) -> str:
    """A short id that says which file and operator, and survives edits to other lines of the file."""
    digest = hashlib.sha256("\0".join((file, operator, before, after, str(occurrence))).encode("utf-8"))
    return f"{PurePosixPath(file).stem.lstrip('_')}-{operator}-{digest.hexdigest()[:8]}"


class _Source:
    """Byte offsets for the (line, column) positions the AST gives, which count UTF-8 bytes."""

    def __init__(self, source: bytes) -> None:
        self.data = source
        self.line_starts = [0]
        for index, byte in enumerate(source):
            if byte == 0x0A:
                self.line_starts.append(index + 1)

    def offset(self, line: int, column: int) -> int:
        return self.line_starts[line - 1] + column

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8")

    def line_of(self, offset: int) -> int:
        low, high = 0, len(self.line_starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.line_starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1

    def lines(self, first: int, last: int) -> tuple[int, int]:
        """Byte offsets of the start of line `first` and the end (before its newline) of line `last`."""
        start = self.line_starts[first - 1]
        end = self.line_starts[last] - 1 if last < len(self.line_starts) else len(self.data)
        return start, end


def _without_comments(gap: str) -> str:
    # A gap between two operands holds only brackets, blanks, line continuations, comments and the operator.
    return re.sub(r"#[^\n]*", lambda match: " " * len(match.group(0)), gap)


class _Finder:
    def __init__(self, source: _Source) -> None:
        self.source = source
        self.changes: list[_Change] = []

    def add(self, operator: str, start: int, end: int, replacement: str) -> None:
        self.changes.append(_Change(operator, start, end, replacement))

    def token_between(self, operator: str, left: ast.AST, right: ast.AST, pattern: str, replacement: str) -> None:
        start = self.source.span(left)[1]
        end = self.source.span(right)[0]
        match = re.search(pattern, _without_comments(self.source.text(start, end)))
        if match is None:
            return
        # The gap is ASCII up to the operator (brackets, blanks), so character and byte offsets agree there.
        prefix = len(self.source.text(start, end)[: match.start()].encode("utf-8"))
        length = len(match.group(0).encode("utf-8"))
        self.add(operator, start + prefix, start + prefix + length, replacement)

    # The walk. Annotations, docstrings, imports and TYPE_CHECKING blocks are never entered.

    def body(self, statements: list[ast.stmt]) -> None:
        for index, statement in enumerate(statements):
            if index == 0 and _is_docstring(statement):
                continue
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Pass)):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Decorators are left alone: they wrap, they seldom decide.
            self.arguments(node.args)
            self.body(node.body)
            return
        if isinstance(node, ast.ClassDef):
            for expression in (*node.bases, *(keyword.value for keyword in node.keywords)):
                self.expression(expression)
            self.body(node.body)
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            self.body(node.orelse)
            return
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return
        if isinstance(node, (ast.If, ast.While)):
            self.condition(node.test)
        elif isinstance(node, ast.Assert):
            self.expression(node.test)
            if node.msg is not None:
                self.expression(node.msg)
        elif isinstance(node, ast.AnnAssign):
            # The annotation is skipped; the target and value are code.
            self.expression(node.target)
            if node.value is not None:
                self.expression(node.value)
        elif isinstance(node, ast.AugAssign):
            pattern, replacement = _ARITH_SWAP.get(type(node.op), (None, None))
            if pattern is not None and replacement is not None and not _is_text(node.value):
                self.token_between("arith", node.target, node.value, pattern + "=", replacement + "=")
            self.expression(node.target)
            self.expression(node.value)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                if not _is_constant(node.value, (None, True, False)):
                    self.add("return", *self.source.span(node.value), "None")
                self.expression(node.value)
        elif isinstance(node, ast.Raise):
            self.add("raise", *self.source.span(node), "pass")
            for child in (node.exc, node.cause):
                if child is not None:
                    self.expression(child)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expression(child)
                elif isinstance(child, ast.excepthandler):
                    if child.type is not None:
                        self.expression(child.type)
                    self.body(child.body)
                elif isinstance(child, ast.withitem):
                    self.expression(child.context_expr)
                    if child.optional_vars is not None:
                        self.expression(child.optional_vars)
                elif isinstance(child, ast.match_case):
                    if child.guard is not None:
                        self.condition(child.guard)
                    self.body(child.body)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                self.statements(block)
        if _droppable(node):
            self.add("drop", *self.source.span(node), "pass")

    def statements(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def arguments(self, arguments: ast.arguments) -> None:
        # Defaults are code; annotations are not.
        for default in (*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)):
            self.expression(default)

    def condition(self, test: ast.expr) -> None:
        """A test that decides a branch: negated whole, besides the changes inside it."""
        if not _negation_is_another_mutant(test):
            start, end = self.source.span(test)
            self.add("negate", start, end, f"not ({self.source.text(start, end)})")
        self.expression(test)

    def expression(self, node: ast.expr) -> None:
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                pattern, replacement = _COMPARE_SWAP[type(op)]
                self.token_between("compare", operands[index], operands[index + 1], pattern, replacement)
        elif isinstance(node, ast.BoolOp):
            pattern, replacement = _BOOLOP_SWAP[type(node.op)]
            start, end = self.source.span(node)
            text = self.source.text(start, end)
            # Every connective of the chain at once: `a and b and c` becomes `a or b or c`.
            pieces, cursor = [], start
            for left, right in zip(node.values, node.values[1:], strict=False):
                gap_start, gap_end = self.source.span(left)[1], self.source.span(right)[0]
                gap = self.source.text(gap_start, gap_end)
                match = re.search(pattern, _without_comments(gap))
                if match is None:
                    pieces = []
                    break
                pieces.append(self.source.text(cursor, gap_start) + gap[: match.start()] + replacement)
                cursor = gap_start + len(gap[: match.end()].encode("utf-8"))
            if pieces and text:
                self.add("boolop", start, end, "".join(pieces) + self.source.text(cursor, end))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            start, end = self.source.span(node)
            operand = self.source.text(*self.source.span(node.operand))
            self.add("negate", start, end, operand if isinstance(node.operand, _ATOMS) else f"({operand})")
        elif isinstance(node, ast.BinOp):
            swap = _ARITH_SWAP.get(type(node.op))
            text_operand = _is_text(node.left) or _is_text(node.right)
            if swap is not None and not text_operand:
                self.token_between("arith", node.left, node.right, *swap)
        elif isinstance(node, ast.IfExp):
            self.condition(node.test)
            self.expression(node.body)
            self.expression(node.orelse)
            return
        elif isinstance(node, ast.Constant):
            self.constant(node)
            return
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
            start = self.source.span(node.func)[0]
            self.add("minmax", start, start + 3, "max" if node.func.id == "min" else "min")
        elif isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    self.expression(value.value)
            return
        elif isinstance(node, ast.Lambda):
            self.arguments(node.args)
            self.expression(node.body)
            return
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for generator in node.generators:
                self.expression(generator.iter)
                for test in generator.ifs:
                    self.condition(test)
            elements = (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)
            for element in elements:
                self.expression(element)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expression(child)
            elif isinstance(child, ast.keyword):
                self.expression(child.value)

    def constant(self, node: ast.Constant) -> None:
        start, end = self.source.span(node)
        if node.value is True or node.value is False:
            self.add("boolean", start, end, str(not node.value))
        elif isinstance(node.value, int):
            literal = self.source.text(start, end).lower().replace("_", "")
            value = node.value + 1
            for prefix, form in (("0o", "o"), ("0x", "x"), ("0b", "b")):
                if literal.startswith(prefix):
                    self.add("number", start, end, prefix + format(value, form))
                    return
            self.add("number", start, end, str(value))
        elif isinstance(node.value, float):
            self.add("number", start, end, repr(node.value + 1))


def _negation_is_another_mutant(test: ast.expr) -> bool:
    """`not x` loses its `not`, `a == b` turns to `a != b`, `while True` to `while False`: negating adds nothing."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    if isinstance(test, ast.Constant):
        return True
    return isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], _COMPLEMENTED)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_constant(node: ast.expr, values: tuple[object, ...]) -> bool:
    return isinstance(node, ast.Constant) and any(node.value is value for value in values)


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)))


def _droppable(node: ast.stmt) -> bool:
    """Statements whose only point is an effect; dropping an assignment to a name only breaks the next line."""
    if isinstance(node, ast.Expr):
        return not isinstance(node.value, ast.Constant)
    if isinstance(node, (ast.AugAssign, ast.Delete, ast.Break, ast.Continue)):
        return True
    if isinstance(node, ast.Assign):
        return all(isinstance(target, (ast.Attribute, ast.Subscript)) for target in node.targets)
    return isinstance(node, ast.AnnAssign) and isinstance(node.target, (ast.Attribute, ast.Subscript))


def _compiles(source: bytes, name: str) -> bool:
    try:
        compile(source, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def find_mutants(file: str, source: bytes) -> list[Mutant]:
    """Every mutant of `source` (the text of `file`, a repo-relative path), in file order."""
    text = _Source(source)
    finder = _Finder(text)
    finder.body(ast.parse(source, filename=file).body)
    mutants: list[Mutant] = []
    seen: dict[tuple[str, str, str], int] = {}
    for change in sorted(finder.changes, key=lambda change: (change.start, change.end, change.operator)):
        original = text.text(change.start, change.end)
        if change.replacement == original:
            continue
        first, last = text.line_of(change.start), text.line_of(max(change.start, change.end - 1))
        line_start, line_end = text.lines(first, last)
        before = _normalize(text.text(line_start, line_end))
        after = _normalize(text.text(line_start, change.start) + change.replacement + text.text(change.end, line_end))
        mutated = source[: change.start] + change.replacement.encode("utf-8") + source[change.end :]
        if not _compiles(mutated, file):
            continue
        key = (change.operator, before, after)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        mutants.append(
            Mutant(
                file=file,
                operator=change.operator,
                line=first,
                start=change.start,
                end=change.end,
                replacement=change.replacement,
                before=before,
                after=after,
                id=mutant_id(file, change.operator, before, after, occurrence),
            )
        )
    return mutants


def iter_operators(mutants: list[Mutant]) -> Iterator[tuple[str, int]]:
    for operator in OPERATORS:
        count = sum(1 for mutant in mutants if mutant.operator == operator)
        if count:
            yield operator, count
