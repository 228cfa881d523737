"""Every hint names a command and an option that exist.

The hints users see are collected from the source: every string given as ``hint=`` anywhere
in ``src/bottomline`` and every string in the CLI modules (their messages). A mention of
``bottomline <command> …`` must name a command of the Typer app (walked as click's command
tree), and each ``--option`` after it an option of that command; an ``--option`` mentioned on
its own must be an option of some command.

The CLI's own hints for domain errors (``cli/hints.py``, by the error's ``reason``) are among
those strings; each reason it maps is one the domain raises.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from bottomline.cli.hints import HINTS, cli_hint
from bottomline.cli.main import app
from tests.test_messages import bilingual, raised_reasons

SRC = Path(__file__).resolve().parents[2] / "src" / "bottomline"
COMMAND = re.compile(
    r"(`?)bottomline((?: [a-z][a-z0-9-]*)+)((?: (?:--[a-z][a-z0-9-]*|[^\s`'\"|:;,，；。)]+))*)"
)
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def strings(node: ast.AST) -> Iterator[str]:
    """The text of a string constant or f-string (placeholders as ``X``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    elif isinstance(node, ast.BinOp):
        yield from strings(node.left)
        yield from strings(node.right)


def hints() -> list[tuple[str, str]]:
    """(file:line, text) of every hint and every CLI string."""
    found: list[tuple[str, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_cli = path.parent.name == "cli"
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "hint":
                texts = list(strings(node.value))
            elif in_cli and isinstance(node, ast.Constant | ast.JoinedStr):
                texts = list(strings(node))
            else:
                continue
            line = node.value.lineno if isinstance(node, ast.keyword) else node.lineno
            where = f"{path.relative_to(SRC)}:{line}"
            found += [(where, t) for t in texts]
    return found


def is_group(command: object) -> bool:
    """A command with sub-commands (Typer may bring its own copy of click's classes)."""
    return hasattr(command, "commands")


@functools.cache
def commands() -> Any:
    root = typer.main.get_command(app)
    assert is_group(root)
    return root


def options(command: Any) -> set[str]:
    names = [n for p in command.params for n in (*p.opts, *getattr(p, "secondary_opts", []))]
    return {name for name in names if name.startswith("--")}


def all_options(group: Any) -> set[str]:
    out = options(group)
    if is_group(group):
        for sub in group.commands.values():
            out |= all_options(sub)
    return out


def resolve(words: list[str]) -> tuple[Any | None, list[str]]:
    """The command the words name, and the words after it (None if the first is unknown)."""
    command: Any = commands()
    for i, word in enumerate(words):
        if not is_group(command):
            return command, words[i:]
        sub = command.commands.get(word)
        if sub is None:
            return (None if command is commands() else command), words[i:]
        command = sub
    return command, []


def problems(where: str, text: str) -> Iterator[str]:
    named: set[str] = set()
    for match in COMMAND.finditer(text):
        words = match.group(2).split()
        command, rest = resolve(words)
        if command is None:
            # In backticks, or with an option or a placeholder (FILE, USER) after it.
            quoted = match.group(1) or re.search(r"--|\b[A-Z]{3,}\b", match.group(3))
            if quoted:  # (else "bottomline stores data in …" is prose about the program)
                yield f"{where}: `bottomline {' '.join(words)}` names no command"
            continue
        if is_group(command) and rest:
            yield f"{where}: `bottomline {' '.join(words)}`: no command {rest[0]!r}"
        given = OPTION.findall(match.group(3))
        named |= set(given)
        missing = [o for o in given if o not in options(command)]
        if missing:
            yield f"{where}: `bottomline {' '.join(words)}` has no option {', '.join(missing)}"
    known = all_options(commands())
    for option in set(OPTION.findall(text)) - named:
        if option not in known:
            yield f"{where}: no command has the option {option}"


def test_hints_are_collected() -> None:
    found = hints()
    assert len(found) > 100
    assert any("bottomline import registry" in t for _, t in found)
    assert any("--encoding" in t for _, t in found)


def test_every_hint_names_commands_and_options_that_exist() -> None:
    wrong = [p for where, text in hints() for p in problems(where, text)]
    assert wrong == []


def test_the_checker_finds_a_wrong_hint() -> None:
    assert list(problems("x", "run bottomline import feeds FILE")) != []
    assert list(problems("x", "run bottomline import feed FILE --nowhere 1")) != []
    assert list(problems("x", "give --nowhere-at-all")) != []
    assert list(problems("x", "run bottomline import feed FILE --period 2025-10")) == []


def test_every_reason_the_cli_maps_is_one_the_domain_raises() -> None:
    raised = raised_reasons()
    assert {"visit_needs_visitor", "registry_empty", "objections_resolved"} <= raised
    assert sorted(set(HINTS) - raised) == []


def test_the_cli_hints_are_chinese_and_english_and_name_commands() -> None:
    assert [h for h in HINTS.values() if not bilingual(h)] == []
    assert [h for h in HINTS.values() if not OPTION.search(h) and "`bottomline " not in h] == []


def test_the_cli_hint_takes_the_place_of_the_domain_hint() -> None:
    neutral = "给出走访人姓名 / name the visitor"
    assert cli_hint("visit_needs_visitor", neutral) == "给出 --visitor 姓名 / give --visitor NAME"
    assert cli_hint("no_such_reason", neutral) == neutral
    assert cli_hint(None, neutral) == neutral
    assert cli_hint(None) is None
