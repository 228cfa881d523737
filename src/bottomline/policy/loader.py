"""Read policy documents from TOML files (stdlib ``tomllib``).

Every problem of a file is reported at once, in one :class:`PolicyError`, each with the file,
the key path and what to do; :func:`load_directory` reports the problems of all its files
together. A user mistake never ends in a traceback.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from bottomline.errors import InputFileError, PolicyError
from bottomline.policy.document import PolicyDocument, make_document, unique_documents
from bottomline.policy.validate import Problem, check_document

# Sample files are named <region>-<year>-<name>.toml; when a name says so, meta must agree.
_FILE_NAME = re.compile(r"^(?P<region>\d{12})-(?P<year>\d{4})(?!\d)")
_HINT = (
    "按说明逐项改正；docs/policy.md 列出了每一节、每个键及其取值范围 / "
    "fix each key as described; docs/policy.md lists every section, key and bound"
)

Loaded = PolicyDocument | list[Problem]


def load_document(path: str | Path) -> PolicyDocument:
    """Load and validate one policy file."""
    path = Path(path)
    return _raise_for({path.as_posix(): _load(path)})[0]


def parse_document(text: str, *, source_path: str) -> PolicyDocument:
    """Validate a policy document given as TOML text (``source_path`` names it in messages)."""
    return _raise_for({source_path: _parse(text, source_path)})[0]


def document_from_dict(data: Mapping[str, object], *, source_path: str) -> PolicyDocument:
    """Validate a document given as TOML-shaped data, e.g. rebuilt from the store."""
    return _raise_for({source_path: _build(data, source_path)})[0]


def load_directory(path: str | Path) -> list[PolicyDocument]:
    """Load every ``*.toml`` under ``path`` (recursively), sorted by region, year and path.

    Refuses two different documents for the same region × year, naming both files.
    """
    root = Path(path)
    if not root.is_dir():
        raise InputFileError(
            f"政策目录 {root.as_posix()} 不存在或不是目录 / "
            f"policy directory {root.as_posix()} does not exist or is not a directory",
            hint="给出存放政策文件的目录，例如 policies/ / "
            "give the directory holding the policy files, e.g. policies/",
        )
    files = sorted(p for p in root.rglob("*.toml") if p.is_file())
    if not files:
        raise PolicyError(
            f"{root.as_posix()} 中没有政策文件（*.toml） / "
            f"no policy files (*.toml) in {root.as_posix()}",
            hint="至少放入国家层面的文件，见 policies/ 和 docs/policy.md / "
            "add at least the national document; see policies/ and docs/policy.md",
        )
    return unique_documents(_raise_for({f.as_posix(): _load(f) for f in files}))


def _load(path: Path) -> Loaded:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputFileError(
            f"政策文件 {path.as_posix()} 不存在 / policy file {path.as_posix()} does not exist",
            hint="检查路径 / check the path",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"无法读取政策文件 / cannot read policy file {path.as_posix()}: {exc}",
            hint="政策文件为 UTF-8 文本，检查路径和权限 / "
            "policy files are UTF-8 text; check the path and its permissions",
        ) from exc
    return _parse(text, path.as_posix())


def _parse(text: str, source_path: str) -> Loaded:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [
            Problem(
                "(syntax)",
                f"不是有效的 TOML / not valid TOML: {exc}",
                "改正该处的 TOML 语法 / correct the TOML syntax there",
            )
        ]
    return _build(data, source_path)


def _build(data: Mapping[str, object], source_path: str) -> Loaded:
    checked = check_document(data)
    problems = [*checked.problems, *_file_name_problems(source_path, checked.meta)]
    if problems:
        return problems
    return make_document(checked.meta, checked.settings, source_path=source_path)


def _file_name_problems(source_path: str, meta: Mapping[str, str | int]) -> list[Problem]:
    found = _FILE_NAME.match(Path(source_path).name)
    if found is None:
        return []
    problems = []
    for key, named in (("region", found["region"]), ("year", int(found["year"]))):
        if key in meta and meta[key] != named:
            problems.append(
                Problem(
                    f"meta.{key}",
                    f"文件名中为 {named}，而 meta.{key} 为 {meta[key]} / "
                    f"the file name says {named} but meta.{key} is {meta[key]}",
                    f"重命名文件或改正 meta.{key}，两者必须一致 / "
                    f"rename the file or correct meta.{key}: they must agree",
                )
            )
    return problems


def _raise_for(loaded: Mapping[str, Loaded]) -> list[PolicyDocument]:
    """The documents, or one PolicyError listing every problem of every file."""
    failed = {path: item for path, item in loaded.items() if isinstance(item, list)}
    if failed:
        raise PolicyError(_problems_message(failed), hint=_HINT)
    return [item for item in loaded.values() if isinstance(item, PolicyDocument)]


def _problems_message(failed: Mapping[str, list[Problem]]) -> str:
    count = sum(len(problems) for problems in failed.values())
    noun = "problem" if count == 1 else "problems"
    where = next(iter(failed)) if len(failed) == 1 else f"{len(failed)} policy files"
    lines = [f"{where} 有 {count} 处问题 / {count} {noun} in {where}:"]
    for path, problems in failed.items():
        lines += [f"  - {path}: {p.key}: {p.message}\n      改正 / fix: {p.fix}" for p in problems]
    return "\n".join(lines)
