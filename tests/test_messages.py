"""Every message a user sees is Chinese and English (`中文 / English`).

The messages are collected from the source by an AST scan of ``src/bottomline``: the text
(string constants, f-strings, concatenations, both arms of a conditional) of every call of an
error class (``bottomline.errors`` and the subclasses defined in the code) and of
``typer.BadParameter``, every ``hint=`` keyword, the ``message`` and ``fix`` of the classes that
carry them (e.g. ``policy.validate.Problem``; by position or keyword, wherever the class is
defined or imported), the message each guard of a case move returns (``cases/guards.py``), and
the strings the CLI modules print (``console.print``, ``typer.echo``, ``ui.step``, ``ui.done``).
Each must hold a Chinese character and a Latin letter, unless all its words are filled in. A
message built elsewhere and passed in as a name is not seen here.

Outside the CLI (and the synthetic-data generator), no message or hint names a CLI command or
option: the API shows them too. An error that the CLI helps with carries a ``reason`` instead,
which ``cli/hints.py`` maps to the command to use.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

SRC = Path(__file__).resolve().parents[1] / "src" / "bottomline"

# Files other work is making bilingual (paths under src/bottomline; a folder ends with /): none.
PENDING: set[str] = set()

BASE_ERRORS = {
    "BottomlineError",
    "UserError",
    "InputFileError",
    "PolicyError",
    "UnknownRegionError",
    "NotFound",
    "ConfigError",
    "IntegrityError",
    "PermissionDenied",
    "TransitionError",
    "ConflictError",
    "BadParameter",
}
# What the CLI prints: the text of these calls' first argument (``ui.done``: its second).
PRINTERS = {"echo", "secho", "say", "step"}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # Han characters, not fullwidth punctuation
LATIN = re.compile(r"[A-Za-z]")


def texts(node: ast.AST) -> Iterator[str]:
    """The text of a message expression, one string per alternative (placeholders dropped)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for left in texts(node.left):
            for right in texts(node.right):
                yield left + right
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        yield from texts(node.left)
    elif isinstance(node, ast.IfExp):
        yield from texts(node.body)
        yield from texts(node.orelse)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        yield from texts(node.func.value)
    else:
        yield ""  # built elsewhere (a name, a call): no literal text here


def callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """The error classes: those of bottomline.errors and every subclass defined in the code."""
    known = set(BASE_ERRORS)
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in known:
                    bases = {
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                        for b in node.bases
                    }
                    if bases & known:
                        known.add(node.name)
                        grown = True
    return known


# Fields of a class that hold text a user reads (``Problem(key, message, fix)``).
MESSAGE_FIELDS = {"message", "fix"}


def _module(rel: Path) -> tuple[str, ...]:
    return (*rel.parent.parts, rel.stem) if rel.stem != "__init__" else rel.parent.parts


def message_classes(root: Path, trees: dict[Path, ast.Module]) -> dict[Path, dict[str, list[str]]]:
    """Per file, the names there of classes with message fields, each with its field order.

    A class counts in the file that defines it and in every file that imports it by
    ``from <package>.<module> import Name [as other]``.
    """
    defined: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for path, tree in trees.items():
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                fields = [
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                ]
                if MESSAGE_FIELDS & set(fields):
                    defined[(_module(path.relative_to(root)), node.name)] = fields
    local: dict[Path, dict[str, list[str]]] = {}
    for path, tree in trees.items():
        names = local.setdefault(path, {})
        here = _module(path.relative_to(root))
        for (module, name), fields in defined.items():
            if module == here:
                names[name] = fields
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                module = tuple(node.module.split(".")[1:])  # without the package name
                for alias in node.names:
                    if (module, alias.name) in defined:
                        names[alias.asname or alias.name] = defined[(module, alias.name)]
    return local


def message_fields(node: ast.Call, fields: list[str]) -> Iterator[ast.AST]:
    """The arguments of a call that fill message fields, by position (up to a ``*args``)
    or by keyword."""
    for name, arg in zip(fields, node.args, strict=False):
        if isinstance(arg, ast.Starred):
            break
        if name in MESSAGE_FIELDS:
            yield arg
    yield from (k.value for k in node.keywords if k.arg in MESSAGE_FIELDS)


# Modules whose functions return a message (a case move's guards: ``str | None``).
RETURNS_MESSAGES = {"cases/guards.py"}


def messages(root: Path = SRC) -> list[tuple[str, str, str]]:
    """(file:line, kind, text) of every message a user sees in the package at ``root``."""
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.relative_to(root).parts
    }
    errors = error_classes(trees)
    carriers = message_classes(root, trees)
    found: list[tuple[str, str, str]] = []
    for path, tree in trees.items():
        in_cli = path.parent.name == "cli"
        rel = path.relative_to(root).as_posix()
        carrying = carriers[path]
        for node in ast.walk(tree):
            if isinstance(node, ast.Return) and node.value and rel in RETURNS_MESSAGES:
                found += [(f"{rel}:{node.value.lineno}", "guard", t) for t in texts(node.value)]
            if not isinstance(node, ast.Call):
                continue
            name = callee(node)
            parts: list[tuple[str, ast.AST]] = []
            if name in errors and node.args:
                parts.append(("error", node.args[0]))
            elif (
                in_cli
                and node.args
                and (name in PRINTERS or (name == "print" and isinstance(node.func, ast.Attribute)))
            ):
                parts.append(("print", node.args[0]))
            elif in_cli and name == "done" and len(node.args) > 1:
                parts.append(("print", node.args[1]))
            parts += [("hint", k.value) for k in node.keywords if k.arg == "hint"]
            if name in errors:
                parts += [("error", k.value) for k in node.keywords if k.arg == "message"]
            elif isinstance(node.func, ast.Name) and node.func.id in carrying:
                parts += [("problem", v) for v in message_fields(node, carrying[node.func.id])]
            for kind, value in parts:
                if isinstance(value, ast.Constant) and value.value is None:
                    continue
                for text in texts(value):
                    found.append((f"{rel}:{value.lineno}", kind, text))
    return found


# Left out before checking: Rich markup, commands in backticks, options (they stay as typed),
# acronyms and symbols (CSV, MB, s; not the e of e.g.) that read the same in both languages.
NOT_WORDS = re.compile(
    r"\[/?[a-z][a-z ]*\]|`[^`]*`|(?<![\w-])--[a-z][a-z0-9-]*|\b[A-Z][A-Z0-9]+\b|\b[A-Za-z]\b(?!\.)"
)


def bilingual(text: str) -> bool:
    """Chinese and English, or no words at all (a message whose words are filled in)."""
    words = NOT_WORDS.sub("", text)
    has_cjk, has_latin = bool(CJK.search(words)), bool(LATIN.search(words))
    return has_cjk == has_latin and (has_cjk or not re.search(r"[^\W\d_]", words))


def pending(where: str) -> bool:
    rel = where.rsplit(":", 1)[0]
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in PENDING)


def one_language(root: Path = SRC) -> list[str]:
    return [
        f"{where} [{kind}] {text!r}"
        for where, kind, text in messages(root)
        if not pending(where) and not bilingual(text)
    ]


# Where a message may name a CLI command or option (paths under src/bottomline).
CLI_WORDS_ALLOWED = ("cli/", "synth/")


@functools.cache
def cli_words_pattern() -> re.Pattern[str]:
    """An ``--option``, or ``bottomline`` and one of its commands (not the program in prose)."""
    from bottomline.cli.main import app

    root: Any = typer.main.get_command(app)  # a group: it has commands
    names = "|".join(sorted(root.commands))
    return re.compile(rf"(?<![\w-])--[a-z][a-z0-9-]*|\bbottomline (?:{names})\b")


def cli_words(root: Path = SRC) -> list[str]:
    """The messages outside the CLI that name a CLI command or option."""
    return [
        f"{where} [{kind}] {text!r}"
        for where, kind, text in messages(root)
        if not where.startswith(CLI_WORDS_ALLOWED) and cli_words_pattern().search(text)
    ]


REASON = re.compile(r"[a-z]+(?:_[a-z]+)+")  # an error's reason code (not an audit row's reason)


def raised_reasons(root: Path = SRC) -> set[str]:
    """The ``reason`` of every domain error: each code given as ``reason="…"`` outside the CLI,
    and the name of each guard (``cases.workflow`` gives a refused move its guard's name)."""
    from bottomline.cases.guards import GUARDS

    found = set(GUARDS)
    for path in root.rglob("*.py"):
        if path.relative_to(root).as_posix().startswith(CLI_WORDS_ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.keyword) and node.arg == "reason" else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found |= {value.value} if REASON.fullmatch(value.value) else set()
    return found


def test_messages_are_collected() -> None:
    found = messages()
    assert len(found) > 300
    kinds = {kind for _, kind, _ in found}
    assert kinds == {"error", "hint", "print", "problem", "guard"}
    policy = {where.split(":")[0] for where, kind, _ in found if kind == "problem"}
    assert {"policy/validate.py", "policy/loader.py", "policy/effective.py"} <= policy


def test_every_message_is_chinese_and_english() -> None:
    assert one_language() == []


def test_the_scan_finds_a_message_in_one_language(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "errors.py").write_text("class UserError(Exception): ...\n", encoding="utf-8")
    (tmp_path / "a.py").write_text(
        "class MoveError(UserError): ...\n"
        "class LateMoveError(MoveError): ...\n"
        "def f(x):\n"
        '    raise LateMoveError(f"no household {x}", hint="give " + "--period")\n'
        "def g(x):\n"
        '    raise UserError("未找到该户 / no household" if x else "没有该户")\n'
        "def h(x):\n"
        '    raise UserError(f"{x}: {x}", hint=f"未找到 / not found: `bottomline x` --x {x}")\n',
        encoding="utf-8",
    )
    (tmp_path / "cli" / "c.py").write_text(
        'console.print(f"[bold]{n} rows[/bold]")\n'
        'done(start, f"{n} 行 / rows")\n'
        'step("读取 / reading")\n'
        "console.print(table)\n",
        encoding="utf-8",
    )
    assert one_language(tmp_path) == [
        "a.py:4 [error] 'no household '",
        "a.py:4 [hint] 'give --period'",
        "a.py:6 [error] '没有该户'",
        "cli/c.py:1 [print] '[bold] rows[/bold]'",
    ]


def test_no_message_outside_the_cli_names_a_command_or_option() -> None:
    assert cli_words() == []


def test_the_scan_finds_a_command_or_option_outside_the_cli(tmp_path: Path) -> None:
    for folder in ("cli", "synth", "cases"):
        (tmp_path / folder).mkdir()
    (tmp_path / "errors.py").write_text("class UserError(Exception): ...\n", encoding="utf-8")
    (tmp_path / "a.py").write_text(
        "def f(x):\n"
        '    raise UserError("缺走访人 / no visitor", hint="给出 --visitor 姓名 / give --visitor")\n'
        "def g(x):\n"
        '    raise UserError(f"未知 {x} / unknown {x}", hint="查看 / see `bottomline clue list`")\n'
        "def h(x):\n"
        '    raise UserError("数据 / bottomline stores data", hint="x--y / bottomline checks")\n',
        encoding="utf-8",
    )
    (tmp_path / "cases" / "guards.py").write_text(
        "def on_notice(ctx):\n"
        "    if ctx:\n"
        '        return "须公示 / publish it with bottomline notice publish"\n'
        "    return None\n",
        encoding="utf-8",
    )
    for allowed in ("cli/c.py", "synth/s.py"):
        (tmp_path / allowed).write_text(
            'raise UserError("缺 / missing", hint="给出 --visitor / give --visitor")\n',
            encoding="utf-8",
        )
    assert cli_words(tmp_path) == [
        "a.py:2 [hint] '给出 --visitor 姓名 / give --visitor'",
        "a.py:4 [hint] '查看 / see `bottomline clue list`'",
        "cases/guards.py:3 [guard] '须公示 / publish it with bottomline notice publish'",
    ]


def test_the_scan_finds_a_problem_in_one_language(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "validate.py").write_text(
        "@dataclass\n"
        "class Problem:\n"
        "    key: str\n"
        "    message: str\n"
        "    fix: str\n"
        "def f(k):\n"
        '    return Problem(k, f"{k} is missing", "添加 / add it")\n'
        "def g(k, p):\n"
        '    return Problem(k, *p), Problem(k, "缺少 / missing", fix="add it")\n',
        encoding="utf-8",
    )
    (tmp_path / "policy" / "loader.py").write_text(
        "from bottomline.policy.validate import Problem as P\n"
        "def h(k):\n"
        '    return P(key=k, message="未知 / unknown", fix="改正 / fix it"), P(k, "bad", "改")\n',
        encoding="utf-8",
    )
    # Another class of the same name without message fields is not a message.
    (tmp_path / "rows.py").write_text(
        "class Problem(NamedTuple):\n"
        "    row: int\n"
        "    column: str\n"
        'x = Problem(1, "household_no")\n',
        encoding="utf-8",
    )
    assert one_language(tmp_path) == [
        "policy/loader.py:3 [problem] 'bad'",
        "policy/loader.py:3 [problem] '改'",
        "policy/validate.py:7 [problem] ' is missing'",
        "policy/validate.py:9 [problem] 'add it'",
    ]


def test_what_counts_as_chinese_and_english() -> None:
    assert bilingual("未找到该户 / no household ")
    assert bilingual("例如 / e.g. `bottomline clue list --status dismissed`")
    assert bilingual(": ")  # the words are filled in
    assert bilingual("  HTML: ")  # an acronym
    assert bilingual("(1.2 s)")  # a unit
    assert not bilingual("no household")
    assert not bilingual("没有该户")
    assert not bilingual("[dim]see the log[/dim]")
