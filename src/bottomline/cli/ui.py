"""What every command prints with: one console, steps with timings, progress bars."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from bottomline.cli.hints import cli_hint

if TYPE_CHECKING:
    from bottomline.errors import BottomlineError

console = Console()


def say(message: str) -> None:
    console.print(f"[dim]· {message}[/dim]")


def step(title: str) -> float:
    console.print(f"[bold cyan]▶ {title}[/bold cyan]")
    return time.perf_counter()


def done(start: float, detail: str = "") -> None:
    console.print(f"  [green]✓[/green] {detail} [dim]({time.perf_counter() - start:.1f} s)[/dim]")


def progress_bar() -> Progress:
    """A progress bar for long work (hidden when output is not a terminal)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def print_error(err: BottomlineError) -> None:
    """A domain error as the user sees it: what is wrong, then how to fix it (the CLI's own
    hint for the error's reason, ``cli.hints``, else the domain's)."""
    console.print(f"[bold red]错误 / error:[/bold red] {err.message}")
    hint = cli_hint(err.reason, err.hint)
    if hint:
        console.print(f"  → {hint}")
