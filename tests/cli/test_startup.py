"""Starting the CLI imports no heavy library: `bottomline --help` and every command's help.

Every ``bottomline`` process pays its imports before any work (a county's month runs several);
Ibis, DuckDB, pandas, PyArrow, SQLAlchemy and Alembic are imported by the command bodies that
use them, never at start-up. The check runs in a fresh interpreter: it imports the CLI, builds
the whole command tree with every command's help (as ``--help`` does, Typer reading each
command's options), and lists the heavy modules that got imported. Opening a store that is at
the newest schema revision does not import Alembic either (``db.upgrade``).
"""

from __future__ import annotations

import subprocess
import sys

from bottomline.cases.clues.queries import SORTS
from bottomline.cases.decisions import DECISIONS
from bottomline.cli import clue_cmd, decide_cmd
from bottomline.db import head_revision, make_engine, shipped_heads, upgrade
from tests.cli.test_cli import REPO

HEAVY = (
    "alembic",
    "duckdb",
    "fastexcel",
    "ibis",
    "jinja2",
    "numpy",
    "openpyxl",
    "pandas",
    "polars",
    "pyarrow",
    "sqlalchemy",
    "sqlglot",
    "weasyprint",
)


def fresh_python(*args: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a new interpreter from the checkout; it must exit 0."""
    proc = subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc


BUILD_EVERY_HELP = f"""
import sys
import click
import typer.main
from bottomline.cli.main import app

def walk(command, path):
    if isinstance(command, click.Group):
        for name in command.list_commands(None):
            walk(command.get_command(None, name), [*path, name])
    command.get_help(click.Context(command, info_name=" ".join(path)))

walk(typer.main.get_command(app), ["bottomline"])
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
print("LOADED", " ".join(loaded))
"""


def test_the_cli_and_every_commands_help_start_without_heavy_imports() -> None:
    proc = fresh_python("-c", BUILD_EVERY_HELP)
    loaded = proc.stdout.split("LOADED", 1)[1].split()
    assert loaded == [], (
        f"imported at start-up: {loaded}; import them inside the command that needs them "
        "(`python -X importtime -m bottomline.cli --help` shows who imports them)"
    )


def test_help_runs_as_a_user_types_it() -> None:
    proc = fresh_python("-m", "bottomline.cli", "import", "feed", "--help")
    assert "folders" in proc.stdout


def test_the_choices_spelled_out_for_start_up_agree_with_the_domain() -> None:
    assert tuple(SORTS) == clue_cmd.SORT_NAMES
    assert DECISIONS == decide_cmd.TARGETS


OPEN_STORE = """
import sys
from bottomline.db import make_engine, upgrade
engine = make_engine(sys.argv[1])
upgrade(engine)
with engine.connect() as connection:
    print("VERSION", connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())
print("ALEMBIC", "alembic" in sys.modules)
"""


def open_store_in_a_fresh_interpreter(url: str) -> tuple[str, bool]:
    proc = fresh_python("-c", OPEN_STORE, url)
    version = proc.stdout.split("VERSION", 1)[1].split()[0]
    return version, proc.stdout.split("ALEMBIC", 1)[1].split()[0] == "True"


def test_a_store_at_the_newest_revision_opens_without_alembic(store_url: str) -> None:
    assert shipped_heads() == {head_revision()}
    assert open_store_in_a_fresh_interpreter(store_url) == (head_revision(), True)  # migrated
    assert open_store_in_a_fresh_interpreter(store_url) == (head_revision(), False)  # as it is


def test_a_store_behind_the_newest_revision_is_migrated(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine, "0001")
    finally:
        engine.dispose()
    assert open_store_in_a_fresh_interpreter(store_url) == (head_revision(), True)
