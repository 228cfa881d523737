"""What every command prints with: one console, steps with timings, progress bars."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

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
