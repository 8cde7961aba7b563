"""The real tools behind the code review, each behind one small function.

radon and vulture run as libraries (on the sources already read); ruff and pylint's ``symilar``
run as subprocesses of this Python with a timeout, so a hanging tool cannot hold the run. A tool
that is not installed raises ToolMissing, which the review turns into a note.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

# ruff's rules, fixed so that results stay comparable from run to run (pyproject.toml of the
# reviewed code is ignored: --isolated). Pyflakes (F), real errors (E9, E7, E4), bugbear (B)
# and ruff's performance rules (PERF).
RUFF_RULES = "E4,E7,E9,F,B,PERF"
# symilar: at least this many similar lines count as a repeated block.
SIMILAR_MIN_LINES = 6


class ToolMissing(Exception):
    """The tool is not installed: the message names it."""


class ToolFailed(Exception):
    """The tool ran but gave no usable answer (timeout, crash): the message says why."""


@dataclass(frozen=True)
class Block:
    name: str
    line: int
    end: int
    complexity: int

    @property
    def length(self) -> int:
        return self.end - self.line + 1


@dataclass(frozen=True)
class RawFile:
    blocks: list[Block]
    maintainability: float
    loc: int
    lloc: int


def _need(module: str, tool: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ToolMissing(tool)


def radon_file(source: str) -> RawFile:
    """Cyclomatic complexity of every function and method, the maintainability index and the
    line counts of one file (radon)."""
    _need("radon", "radon")
    from radon.metrics import mi_visit  # noqa: PLC0415 - optional tool, checked just above
    from radon.raw import analyze  # noqa: PLC0415 - optional tool
    from radon.visitors import ComplexityVisitor  # noqa: PLC0415 - optional tool

    visitor = ComplexityVisitor.from_code(source)
    blocks = [
        Block(block.fullname, block.lineno, block.endline or block.lineno, block.complexity)
        for block in visitor.blocks
        if type(block).__name__ == "Function"
    ]
    raw = analyze(source)
    return RawFile(blocks, round(mi_visit(source, multi=True), 1), raw.loc, raw.lloc)


@dataclass(frozen=True)
class Unused:
    file: str
    line: int
    kind: str
    name: str
    confidence: int
    message: str


def vulture_unused(
    sources: dict[str, str], ignore_names: list[str], min_confidence: int
) -> list[Unused]:
    """Dead code across the files of one module (vulture), at or above ``min_confidence``."""
    _need("vulture", "vulture")
    import vulture  # noqa: PLC0415 - optional tool, checked just above

    scanner = vulture.Vulture(
        ignore_names=ignore_names, ignore_decorators=TRYTON_DECORATORS, verbose=False
    )
    for path, source in sources.items():
        scanner.scan(source, filename=path)
    return [
        Unused(
            str(item.filename),
            item.first_lineno,
            item.typ,
            item.name,
            item.confidence,
            item.message,
        )
        for item in scanner.get_unused_code(min_confidence=min_confidence)
    ]


# Methods and attributes Tryton's framework calls by name (never called in the module itself).
TRYTON_DECORATORS = [
    "@ModelView.button",
    "@ModelView.button_action",
    "@ModelView.button_change",
    "@Workflow.transition",
    "@fields.depends",
]
TRYTON_NAMES = [
    "default_*",
    "on_change_*",
    "order_*",
    "domain_*",
    "search_rec_name",
    "get_rec_name",
    "view_attributes",
    "get_resources_to_copy",
    "_transitions",
    "_buttons",
    "_sql_constraints",
    "_sql_indexes",
    "_order",
    "_rec_name",
    "_history",
    "_table",
    "start_state",
    "search_unaccented",
    "__setup__",
    "__post_setup__",
    "__register__",
    "__access__",
]


@dataclass(frozen=True)
class LintIssue:
    file: str
    line: int
    code: str
    message: str


def ruff_issues(paths: list[str], timeout: float) -> list[LintIssue]:
    """Lint with ruff's fixed rule selection (RUFF_RULES), one JSON list back."""
    _need("ruff", "ruff")
    command = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
    command += ["--select", RUFF_RULES, "--output-format", "json", "--exit-zero", *paths]
    output = _run(command, timeout, "ruff")
    try:
        found = json.loads(output or "[]")
    except ValueError:
        raise ToolFailed(f"ruff: unreadable output: {output[:200]}") from None
    return [
        LintIssue(
            item["filename"],
            (item.get("location") or {}).get("row", 0),
            item.get("code") or "syntax",
            item.get("message", ""),
        )
        for item in found
    ]


@dataclass(frozen=True)
class Repeat:
    lines: int
    places: list[tuple[str, int, int]]  # (file, first line, last line), 1-based


SIMILAR_HEAD = re.compile(r"^(\d+) similar lines in (\d+) files$")
SIMILAR_PLACE = re.compile(r"^==(.+):\[(\d+):(\d+)\]$")
SIMILAR_TOTAL = re.compile(r"^TOTAL lines=\d+ duplicates=(\d+) percent=")


def symilar_repeats(paths: list[str], timeout: float) -> tuple[list[Repeat], int]:
    """Repeated blocks of at least SIMILAR_MIN_LINES lines (pylint's symilar, comments,
    docstrings, imports and signatures ignored) and the number of duplicated lines."""
    _need("pylint", "pylint (symilar)")
    if len(paths) < 1:
        return [], 0
    command = [sys.executable, "-m", "pylint.checkers.symilar", "-d", str(SIMILAR_MIN_LINES)]
    command += ["-i", "--ignore-docstrings", "--ignore-imports", "--ignore-signatures", *paths]
    return parse_symilar(_run(command, timeout, "symilar"))


def parse_symilar(output: str) -> tuple[list[Repeat], int]:
    repeats, duplicated, current = [], 0, None
    for line in output.splitlines():
        if head := SIMILAR_HEAD.match(line):
            current = Repeat(int(head.group(1)), [])
            repeats.append(current)
        elif (place := SIMILAR_PLACE.match(line)) and current is not None:
            start = int(place.group(2)) + 1
            current.places.append((place.group(1), start, int(place.group(3))))
        elif total := SIMILAR_TOTAL.match(line):
            duplicated = int(total.group(1))
    return repeats, duplicated


def _run(command: list[str], timeout: float, tool: str) -> str:
    if timeout <= 0:
        raise ToolFailed(f"{tool}: no time left in this run")
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise ToolFailed(f"{tool}: stopped after {timeout:.0f} s") from None
    except OSError as exc:
        raise ToolFailed(f"{tool}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise ToolFailed(f"{tool}: {last[:300]}")
    return done.stdout


def versions() -> dict[str, str]:
    """The installed version of each tool (shown with the run: results change with them)."""
    found = {}
    for package in ("radon", "vulture", "ruff", "pylint"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = ""
    return found
