"""Read the FAQ folder union staff edit, keeping the line of everything for error messages."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import yaml

from knowledge.model import Entry, FAQError, Problem

REQUIRED = ("id", "question", "answer", "source", "as_of")
KNOWN = (*REQUIRED, "also_asked", "short", "title", "tags", "notes")
ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
SHORT_LIMIT = 200


def faq_files(folder: Path) -> list[Path]:
    """Every *.yaml / *.yml file under FOLDER, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _scalar_text(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value).strip()
    return None


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_of(node: yaml.Node) -> tuple[date | None, str]:
    """The entry's as_of date, or None and what is wrong with it (2026-13-01, 2026-02-30 …)."""
    try:
        value = yaml.SafeLoader("").construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError) as exc:  # YAML reads 2026-13-01 as a date and fails on it
        return None, f"{_scalar_text(node)!r}: {exc}"
    parsed = _parse_date(value)
    if parsed is None:
        return None, f"{_scalar_text(node)!r}"
    return parsed, ""


def _entry_from_node(node: yaml.MappingNode, path: Path, problems: list[Problem]) -> Entry | None:
    line = node.start_mark.line + 1
    fields: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = _scalar_text(key_node) or ""
        if key in fields:
            problems.append(Problem(path, key_node.start_mark.line + 1, f"{key} is given twice in one entry"))
        fields[key] = value_node
        if key not in KNOWN:
            problems.append(Problem(path, key_node.start_mark.line + 1,
                                    f"unknown field {key!r} (known: {', '.join(KNOWN)})", "warning"))
    ident = _scalar_text(fields["id"]) if "id" in fields else None
    label = f"entry {ident}" if ident else "entry"
    ok = True
    for name in REQUIRED:
        if name not in fields or _scalar_text(fields[name]) in (None, "", "null", "~"):
            kind = "is missing" if name not in fields else "is empty or not text"
            problems.append(Problem(path, fields[name].start_mark.line + 1 if name in fields else line,
                                    f"{label}: {name} {kind}"))
            ok = False
    if not ok:
        return None
    if not ID_PATTERN.match(ident):
        problems.append(Problem(path, fields["id"].start_mark.line + 1,
                                f"id {ident!r} may hold only a-z, 0-9 and _"))
        return None

    as_of, why = _as_of(fields["as_of"])
    if as_of is None:
        problems.append(Problem(path, fields["as_of"].start_mark.line + 1,
                                f"{label}: as_of must be a date like 2019-11-01 ({why})"))
        return None

    also: list[str] = []
    also_lines: list[int] = []
    if "also_asked" in fields:
        seq = fields["also_asked"]
        if isinstance(seq, yaml.SequenceNode):
            for item in seq.value:
                text = _scalar_text(item)
                if text:
                    also.append(text)
                    also_lines.append(item.start_mark.line + 1)
                else:
                    problems.append(Problem(path, item.start_mark.line + 1,
                                            f"{label}: also_asked items must be text"))
        elif _scalar_text(seq) not in (None, "", "null", "~"):
            problems.append(Problem(path, seq.start_mark.line + 1, f"{label}: also_asked must be a list"))

    answer = str(fields["answer"].value).strip()
    short = _scalar_text(fields["short"]) if "short" in fields else None
    if short and len(short) > SHORT_LIMIT:
        problems.append(Problem(path, fields["short"].start_mark.line + 1,
                                f"{label}: short is {len(short)} characters, keep it under {SHORT_LIMIT}"))
    return Entry(
        id=ident,
        question=_scalar_text(fields["question"]),
        answer=answer,
        source=_scalar_text(fields["source"]),
        as_of=as_of,
        also_asked=tuple(also),
        short=short or None,
        title=_scalar_text(fields["title"]) if "title" in fields else None,
        path=path,
        line=line,
        phrasing_lines=(fields["question"].start_mark.line + 1, *also_lines),
    )


def _compose(text: str) -> yaml.Node | None:
    """TEXT's YAML node tree: with libyaml when PyYAML has it (a fifth of the time), else, and for a
    file libyaml rejects, with PyYAML's own parser, whose messages staff see."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass  # parsed again below, for the pure-Python parser's message (or its verdict)
    return yaml.compose(text, Loader=yaml.SafeLoader)


def load_file(path: Path, problems: list[Problem]) -> list[Entry]:
    """Entries of one FAQ file; what is wrong goes to PROBLEMS."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        problems.append(Problem(path, line, "not UTF-8 text (save the file as UTF-8)"))
        return []
    except OSError as exc:
        problems.append(Problem(path, 1, f"cannot be read: {exc.strerror}"))
        return []
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(path, line, f"not valid YAML: {what}"))
        return []
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        problems.append(Problem(path, root.start_mark.line + 1, "the file must be a list of entries (each starting with '- id:')"))
        return []
    entries = []
    for item in root.value:
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(path, item.start_mark.line + 1, "each list item must be an entry with id, question, answer …"))
            continue
        entry = _entry_from_node(item, path, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def load_faq(folder: Path) -> tuple[list[Entry], list[Problem]]:
    """All entries under FOLDER and every problem found; duplicate ids are problems."""
    problems: list[Problem] = []
    entries: list[Entry] = []
    folder = Path(folder)
    if not folder.is_dir():
        return [], [Problem(folder, 0, "FAQ folder does not exist")]
    files = faq_files(folder)
    if not files:
        problems.append(Problem(folder, 0, "no *.yaml files in the FAQ folder"))
    seen: dict[str, Entry] = {}
    for path in files:
        for entry in load_file(path, problems):
            first = seen.get(entry.id)
            if first is not None:
                problems.append(Problem(path, entry.line,
                                        f"duplicate id {entry.id} (first at {first.path}:{first.line})"))
                continue
            seen[entry.id] = entry
            entries.append(entry)
    return entries, problems


def load_faq_strict(folder: Path) -> list[Entry]:
    """Entries under FOLDER; raises FAQError when any error (not warning) is found."""
    entries, problems = load_faq(folder)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise FAQError(errors)
    if not entries:
        raise FAQError([Problem(Path(folder), 0, "the FAQ has no entries")])
    return entries
