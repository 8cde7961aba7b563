"""The code review of a target's custom ERP modules: find the Tryton modules (a folder with
tryton.cfg) under each configured folder, run the tools on each module's Python files (tests
left out) and sum it all up per module with a score.

Nothing here touches the database: services/code.py stores what ``review_folders`` returns.
Every problem met on the way (a bad path, an unreadable file, a syntax error, a missing tool, the
time limit) becomes a note ``{"msgid", "params"}`` rendered in the reader's language, and the
rest is still reviewed.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_noop

from erpkeeper.performance.codehealth import tools
from erpkeeper.performance.codehealth.tryton import tryton_hits

COMPLEX = 10  # radon rank C and worse: "more than moderately complex"
VERY_COMPLEX = 20  # rank D and worse
LARGE_FUNCTION_LINES = 80
LARGE_FILE_LINES = 1000
MAX_FILE_BYTES = 1_000_000  # larger files are generated, not written: left out with a note
WORST_LISTED = 10
ISSUES_KEPT = 300
SKIPPED_DIRS = {"tests", "__pycache__", "node_modules", "venv"}
SEARCH_DEPTH = 3
logger = logging.getLogger(__name__)
XML_NAME = re.compile(r'\bname="([A-Za-z_]\w*)"')

# Points taken off per item found; the sum is divided by the module's size in thousands of
# logical lines (at least one), and the score is 100 minus that, never below 0.
PENALTIES = {
    "complex_functions": 5,
    "very_complex_functions": 5,
    "dead_code": 2,
    "lint": 1,
    "duplicate_lines": 0.1,
    "large_functions": 3,
    "large_files": 5,
    "n_plus_one": 3,
    "commits": 10,
    "sql_concat": 10,
    "syntax_errors": 5,
    "unreadable_files": 5,
}
COUNTS = tuple(PENALTIES)
HIT_COUNTS = {
    "tryton.n_plus_one": "n_plus_one",
    "tryton.commit": "commits",
    "tryton.sql_concat": "sql_concat",
}


def note(msgid: str, **params) -> dict:
    return {"msgid": msgid, "params": params}


@dataclass
class ModuleReport:
    name: str
    path: str
    files: int = 0
    lines: int = 0
    lloc: int = 0
    functions: int = 0
    maintainability: float | None = None
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    worst: list = field(default_factory=list)
    largest_files: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    score: float = 100.0


@dataclass
class Review:
    modules: list[ModuleReport]
    notes: list[dict]
    tools: dict
    timed_out: bool = False


class Deadline:
    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return self.ends - time.monotonic()


def review_folders(
    folders: list[str],
    *,
    time_limit: float,
    min_confidence: int,
    progress: Callable[[float, str], None] | None = None,
) -> Review:
    progress = progress or (lambda percent, message: None)
    deadline, notes, missing = Deadline(time_limit), [], set()
    paths = []
    for folder in folders:
        for found in find_modules(folder, notes):
            if found not in paths:
                paths.append(found)
    review = Review([], notes, tools.versions())
    for number, path in enumerate(paths):
        if deadline.left() <= 0:
            left = ", ".join(p.name for p in paths[number:])
            notes.append(
                note(gettext_noop("Time limit reached: not reviewed: %(modules)s."), modules=left)
            )
            review.timed_out = True
            break
        progress(10 + 85 * number / len(paths), path.name)
        review.modules.append(review_module(path, deadline, min_confidence, notes, missing))
    return review


def find_modules(folder: str, notes: list) -> list[Path]:
    """The Tryton modules in ``folder``: itself when it has a tryton.cfg, else those found up
    to SEARCH_DEPTH levels below it."""
    path = Path(folder)
    problem = _folder_problem(path)
    if problem:
        notes.append(note(problem, path=folder))
        return []
    if _is_file(path / "tryton.cfg"):
        return [path]
    found = []

    def unreadable(error):
        notes.append(_unreadable(error.filename, error))

    for root, dirs, files in os.walk(path, onerror=unreadable):
        depth = len(Path(root).relative_to(path).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        if "tryton.cfg" in files:
            found.append(Path(root))
            dirs[:] = []
        elif depth >= SEARCH_DEPTH:
            dirs[:] = []
    if not found:
        notes.append(
            note(
                gettext_noop("No Tryton module (a folder with tryton.cfg) under %(path)s."),
                path=folder,
            )
        )
    return found


def _folder_problem(path: Path) -> str:
    if not path.is_absolute():
        return gettext_noop("%(path)s is not an absolute path.")
    try:
        if not path.exists():
            return gettext_noop("%(path)s does not exist.")
        if not path.is_dir():
            return gettext_noop("%(path)s is a file, not a folder.")
    except OSError:
        return gettext_noop("%(path)s cannot be read.")
    if not os.access(path, os.R_OK | os.X_OK):
        return gettext_noop("%(path)s cannot be read (permission denied).")
    return ""


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a folder one may not enter: its files are noted when walked
        return False


def _unreadable(path, error) -> dict:
    return note(
        gettext_noop("%(path)s cannot be read: %(error)s."),
        path=str(path),
        error=getattr(error, "strerror", None) or str(error),
    )


def python_files(module: Path, notes: list) -> list[Path]:
    """The module's Python files, without tests, hidden folders and modules nested in it."""
    found = []
    for root, dirs, files in os.walk(
        module, onerror=lambda e: notes.append(_unreadable(e.filename, e))
    ):
        base = Path(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in SKIPPED_DIRS
            and not _is_file(base / d / "tryton.cfg")
        )
        found += [base / name for name in sorted(files) if name.endswith(".py")]
    return found


@dataclass
class _Parsed:
    path: Path
    relative: str
    source: str
    tree: ast.AST


def review_module(
    module: Path, deadline: Deadline, min_confidence: int, notes: list, missing: set
) -> ModuleReport:
    report = ModuleReport(name=module.name, path=str(module))
    parsed = [p for p in _read_files(module, report, notes) if p is not None]
    blocks, sizes, maintainability = [], [], []
    for item in parsed:
        _file_metrics(item, report, blocks, sizes, maintainability, notes, missing)
        for hit in tryton_hits(item.tree):
            report.counts[HIT_COUNTS[hit.check]] += 1
            _issue(report, hit.check, "", item.relative, hit.line, hit.detail)
    report.functions = len(blocks)
    report.maintainability = (
        round(sum(maintainability) / len(maintainability), 1) if maintainability else None
    )
    blocks.sort(key=lambda b: (-b[1].complexity, b[0], b[1].line))
    report.worst = [
        {
            "file": relative,
            "line": block.line,
            "function": block.name,
            "complexity": block.complexity,
            "lines": block.length,
        }
        for relative, block in blocks[:WORST_LISTED]
    ]
    report.largest_files = [
        {"file": relative, "lines": lines}
        for relative, lines in sorted(sizes, key=lambda s: -s[1])[:5]
    ]
    _run_tools(module, parsed, report, deadline, min_confidence, notes, missing)
    report.score = score(report)
    report.issues = report.issues[:ISSUES_KEPT]
    return report


def _read_files(module: Path, report: ModuleReport, notes: list):
    for path in python_files(module, notes):
        relative = str(path.relative_to(module))
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                notes.append(
                    note(
                        gettext_noop("%(path)s is larger than 1 MB: left out of the review."),
                        path=str(path),
                    )
                )
                continue
            source = path.read_bytes().decode("utf-8")
        except OSError as exc:
            report.counts["unreadable_files"] += 1
            notes.append(_unreadable(path, exc))
            continue
        except UnicodeDecodeError:
            report.counts["unreadable_files"] += 1
            notes.append(
                note(
                    gettext_noop("%(path)s is not UTF-8 text: left out of the review."),
                    path=str(path),
                )
            )
            continue
        report.files += 1
        yield _parse(path, relative, source, report, notes)


def _parse(path: Path, relative: str, source: str, report: ModuleReport, notes: list):
    try:
        return _Parsed(path, relative, source, ast.parse(source, filename=str(path)))
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 0
        report.counts["syntax_errors"] += 1
        _issue(report, "python.syntax", "", relative, line, getattr(exc, "msg", str(exc)))
        notes.append(
            note(
                gettext_noop(
                    "%(path)s line %(line)s: syntax error (%(error)s); "
                    "the file is left out of the review."
                ),
                path=str(path),
                line=line,
                error=getattr(exc, "msg", str(exc)),
            )
        )
        return None


def _file_metrics(item, report, blocks, sizes, maintainability, notes, missing) -> None:
    try:
        raw = tools.radon_file(item.source)
    except tools.ToolMissing as exc:
        _missing(str(exc), notes, missing)
        return
    except Exception as exc:  # noqa: BLE001 - radon's own failure on one file is a note
        notes.append(_tool_failed(f"radon: {item.path}: {exc}"))
        return
    report.lines += raw.loc
    report.lloc += raw.lloc
    maintainability.append(raw.maintainability)
    sizes.append((item.relative, raw.loc))
    if raw.loc > LARGE_FILE_LINES:
        report.counts["large_files"] += 1
        _issue(report, "size.file", "", item.relative, 1, f"{raw.loc} lines")
    for block in raw.blocks:
        blocks.append((item.relative, block))
        if block.complexity > COMPLEX:
            report.counts["complex_functions"] += 1
            if block.complexity > VERY_COMPLEX:
                report.counts["very_complex_functions"] += 1
            _issue(
                report,
                "radon.complexity",
                str(block.complexity),
                item.relative,
                block.line,
                f"{block.name}: cyclomatic complexity {block.complexity}",
            )
        if block.length > LARGE_FUNCTION_LINES:
            report.counts["large_functions"] += 1
            _issue(
                report,
                "size.function",
                "",
                item.relative,
                block.line,
                f"{block.name}: {block.length} lines",
            )


def _run_tools(module, parsed, report, deadline, min_confidence, notes, missing) -> None:
    if not parsed:
        return
    by_path = {str(p.path): p.relative for p in parsed}
    paths = list(by_path)
    steps = (
        ("vulture", lambda: _dead_code(module, parsed, report, by_path, min_confidence)),
        ("ruff", lambda: _lint(paths, report, by_path, deadline)),
        ("symilar", lambda: _repeats(paths, report, by_path, deadline)),
    )
    for name, step in steps:
        if deadline.left() <= 0:
            notes.append(
                note(
                    gettext_noop("Time limit reached: %(module)s was reviewed only in part."),
                    module=module.name,
                )
            )
            return
        try:
            step()
        except tools.ToolMissing as exc:
            _missing(str(exc), notes, missing)
        except tools.ToolFailed as exc:
            notes.append(_tool_failed(f"{module.name}: {exc}"))
        except Exception as exc:  # noqa: BLE001 - a tool's own bug is a note, the rest goes on
            logger.exception("code review: %s failed on %s", name, module)
            notes.append(_tool_failed(f"{module.name}: {name}: {exc}"))


def _dead_code(module, parsed, report, by_path, min_confidence) -> None:
    sources = {str(p.path): p.source for p in parsed}
    names = tools.TRYTON_NAMES + sorted(_names_used_by_framework(module, parsed))
    for item in tools.vulture_unused(sources, names, min_confidence):
        report.counts["dead_code"] += 1
        _issue(
            report,
            "vulture",
            item.kind,
            by_path.get(item.file, item.file),
            item.line,
            f"{item.message} ({item.confidence}% confidence)",
        )


def _names_used_by_framework(module: Path, parsed) -> set[str]:
    """Names Tryton reaches through strings: ``fields.Function(..., 'get_total')``, views and
    records in the XML files, classes registered in tryton.cfg."""
    names = set()
    for item in parsed:
        names.update(
            node.value
            for node in ast.walk(item.tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.isidentifier()
        )
    for path in list(module.rglob("*.xml"))[:500] + [module / "tryton.cfg"]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        names.update(XML_NAME.findall(text))
        if path.name == "tryton.cfg":
            names.update(
                line.strip().rsplit(".", 1)[-1] for line in text.splitlines() if "." in line
            )
    return names


def _lint(paths, report, by_path, deadline) -> None:
    for item in tools.ruff_issues(paths, timeout=deadline.left()):
        report.counts["lint"] += 1
        _issue(
            report, "ruff", item.code, by_path.get(item.file, item.file), item.line, item.message
        )


def _repeats(paths, report, by_path, deadline) -> None:
    repeats, duplicated = tools.symilar_repeats(paths, timeout=deadline.left())
    report.counts["duplicate_lines"] = duplicated
    for repeat in repeats:
        places = ", ".join(f"{by_path.get(f, f)}:{a}-{b}" for f, a, b in repeat.places)
        file, line, _end = repeat.places[0] if repeat.places else ("", 0, 0)
        _issue(
            report,
            "symilar",
            str(repeat.lines),
            by_path.get(file, file),
            line,
            f"{repeat.lines} similar lines in {len(repeat.places)} places: {places}",
        )


def _issue(report, check, code, file, line, message) -> None:
    report.issues.append(
        {"check": check, "code": code, "file": file, "line": line, "message": message}
    )


def _missing(tool: str, notes: list, missing: set) -> None:
    if tool not in missing:
        missing.add(tool)
        notes.append(
            note(
                gettext_noop("%(tool)s is not installed: that part of the review was skipped."),
                tool=tool,
            )
        )


def _tool_failed(error: str) -> dict:
    return note(gettext_noop("A tool failed: %(error)s."), error=error)


def score(report: ModuleReport) -> float:
    penalty = sum(PENALTIES[key] * report.counts.get(key, 0) for key in PENALTIES)
    size = max(1.0, report.lloc / 1000)
    return round(max(0.0, 100.0 - penalty / size), 1)
