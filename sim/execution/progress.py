"""The one progress bar of socsim: runs done / total, runs per second, elapsed time and ETA.

Used by ``socsim run`` and ``compare`` (one tick per finished run, through the ``on_done``
callbacks of :mod:`sim.execution.runner`) and by sweeps (one advance per finished chunk)::

    with RunProgress(total=40, label="running baseline.toml") as bar:
        replicate(scn, 40, on_done=bar)          # bar(result) advances by one run

It draws on stderr, so stdout stays clean for tables and pipes. The label is printed as plain
text (a scenario name such as ``Q3 [/]`` is shown, never parsed as Rich markup).
"""

from __future__ import annotations

from typing import Any


class RunProgress:
    """A Rich progress bar counting runs; hidden when ``total <= 1`` or ``enabled`` is False.

    Args:
        total: runs in the whole job (≥ 0).
        label: text on the left of the bar (plain text).
        done: runs already finished before this bar starts (a resumed sweep).
        enabled: False draws nothing (the object still counts).
        transient: remove the bar from the terminal when it ends.
    """

    def __init__(self, total: int, label: str, *, done: int = 0, enabled: bool = True,
                 transient: bool = True) -> None:
        self.total, self.label, self.done = int(total), label, int(done)
        self._enabled = enabled and self.total > 1
        self._transient = transient
        self._progress: Any = None
        self._task: Any = None

    def _make(self) -> Any:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn,
                                   TextColumn, TimeElapsedColumn, TimeRemainingColumn)
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.2f} runs/s" if speed else "-- runs/s",
                            style="progress.data.speed")

        return Progress(
            TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
            RateColumn(), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=self._transient,
        )

    def __enter__(self) -> "RunProgress":
        if self._enabled:
            self._progress = self._make()
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=self.total,
                                                 completed=self.done)
        return self

    def advance(self, runs: int = 1) -> None:
        """Count ``runs`` more finished runs."""
        self.done += runs
        if self._progress is not None:
            self._progress.advance(self._task, runs)

    def __call__(self, _result: Any = None) -> None:
        """Advance by one run (so the bar itself can be an ``on_done`` callback)."""
        self.advance(1)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
