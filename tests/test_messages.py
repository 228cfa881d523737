"""Every message a user sees is Chinese and English (`中文 / English`).

The messages are collected from the source by an AST scan of ``src/bottomline``: the text
(string constants, f-strings, concatenations, both arms of a conditional) of every call of an
error class (``bottomline.errors`` and the subclasses defined in the code) and of
``typer.BadParameter``, every ``hint=`` keyword, and the strings the CLI modules print
(``console.print``, ``typer.echo``, ``ui.step``, ``ui.done``). Each must hold a Chinese character
and a Latin letter, unless all its words are filled in. A message built elsewhere and passed in
as a name is not seen here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "bottomline"

# Files other work is making bilingual; the lead empties this set when that work is merged.
PENDING = {
    "sources.py",
    "ingest/",
    "registry/imports/",
    "registry/incomes/",
    "registry/national_export.py",
    "screening/",
    "synth/",
    "cli/feeds_cmd.py",
    "cli/registry_cmd.py",
    "cli/main.py",
}

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


def messages(root: Path = SRC) -> list[tuple[str, str, str]]:
    """(file:line, kind, text) of every message a user sees in the package at ``root``."""
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.relative_to(root).parts
    }
    errors = error_classes(trees)
    found: list[tuple[str, str, str]] = []
    for path, tree in trees.items():
        in_cli = path.parent.name == "cli"
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(tree):
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


def test_messages_are_collected() -> None:
    found = messages()
    assert len(found) > 300
    kinds = {kind for _, kind, _ in found}
    assert kinds == {"error", "hint", "print"}


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


def test_what_counts_as_chinese_and_english() -> None:
    assert bilingual("未找到该户 / no household ")
    assert bilingual("例如 / e.g. `bottomline clue list --status dismissed`")
    assert bilingual(": ")  # the words are filled in
    assert bilingual("  HTML: ")  # an acronym
    assert bilingual("(1.2 s)")  # a unit
    assert not bilingual("no household")
    assert not bilingual("没有该户")
    assert not bilingual("[dim]see the log[/dim]")
