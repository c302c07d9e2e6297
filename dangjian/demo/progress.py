"""Progress reporting for long loads: silent by default, rich progress bars on a terminal."""
from __future__ import annotations


class Reporter:
    """Does nothing (tests, benchmarks that only want the figures)."""

    def start(self, key: str, description: str, total: int) -> None:
        pass

    def advance(self, key: str, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass


class RichReporter(Reporter):
    def __init__(self, console=None):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.console = console or Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(),
                                 console=self.console, transient=False)
        self.tasks: dict[str, int] = {}
        self.progress.start()

    def start(self, key, description, total):
        self.tasks[key] = self.progress.add_task(description, total=total)

    def advance(self, key, n=1):
        if key in self.tasks:
            self.progress.advance(self.tasks[key], n)

    def note(self, message):
        self.progress.console.print(message)

    def close(self):
        self.progress.stop()
