"""What a person sees while a refresh runs: one line per release, a progress bar while
releases are ingested and while dbt builds (count / total, elapsed), then the summary.

Everything else — Dagster's event stream, dbt's own output, library warnings — goes to a log
file under the data folder (`logs/refresh-<timestamp>.log`) unless `verbose` is set. On a
terminal the bar redraws one line; elsewhere (CI, `make` piped to a file) it prints a milestone
line at each quarter instead, so the output stays short.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO

from orchestration.settings import Settings

MILESTONES = 4  # plain-output milestone lines per bar (at each quarter)
BAR_WIDTH = 24
# Refresh logs kept (one per `citygvc refresh`): two months of the daily schedule, enough to
# compare a failure with the runs before it; older ones are deleted as a new one starts.
KEEP_REFRESH_LOGS = 60


def log_path(settings: Settings, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%dT%H%M%S")
    return settings.logs_dir / f"refresh-{stamp}.log"


def stale_logs(logs: list[Path], keep: int) -> list[Path]:
    """All but the newest `keep` refresh logs (their names sort by time)."""
    ordered = sorted(logs, key=lambda path: path.name)
    return ordered[: max(len(ordered) - keep, 0)]


def prune_logs(logs_dir: Path, keep: int = KEEP_REFRESH_LOGS) -> None:
    for path in stale_logs(list(logs_dir.glob("refresh-*.log")), keep):
        path.unlink(missing_ok=True)


class Console:
    """Lines and bars for a person; the full stream to `log` (None: leave it where it goes)."""

    def __init__(
        self,
        echo: Callable[[str], None] = print,
        stream: TextIO | None = None,
        log: TextIO | None = None,
    ) -> None:
        self.echo_fn = echo
        self.stream = stream  # the terminal, when bars may redraw in place
        self.log = log
        self.log_path: Path | None = Path(log.name) if log is not None else None
        self._bar_open = False
        self._milestone: dict[str, int] = {}

    @classmethod
    @contextlib.contextmanager
    def for_terminal(cls, settings: Settings, verbose: bool = False) -> Iterator[Console]:
        """The command line's console: stdout for a person, the rest to the log file."""
        out = sys.stdout
        tty = out.isatty()

        def echo(text: str) -> None:
            print(text, file=out, flush=True)

        if verbose:
            yield cls(echo, out if tty else None)
            return
        path = log_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8", buffering=1) as log:
            prune_logs(path.parent)  # after the new log exists, so it counts among those kept
            yield cls(echo, out if tty else None, log)

    def line(self, text: str) -> None:
        self._end_bar()
        self.echo_fn(text)
        if self.log is not None:
            self.log.write(f"[citygvc] {text}\n")

    def bar(self, label: str, done: int, total: int, started: float) -> None:
        """Progress `done`/`total` since `started` (time.monotonic())."""
        elapsed = time.monotonic() - started
        text = f"{label} {done}/{total}, {elapsed:.1f} s"
        if self.stream is not None:
            filled = BAR_WIDTH * done // max(total, 1)
            drawn = f"\r  [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"
            self.stream.write(f"{drawn:<80}")
            self.stream.flush()
            self._bar_open = True
            return
        quarter = MILESTONES * done // max(total, 1)
        if quarter > self._milestone.get(label, 0):
            self._milestone[label] = quarter
            self.line(f"  … {text}")

    def done(self, label: str) -> None:
        """Forget a bar's milestones (the next bar of that label starts afresh)."""
        self._milestone.pop(label, None)
        self._end_bar()

    def _end_bar(self) -> None:
        if self._bar_open and self.stream is not None:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()
            self._bar_open = False

    @contextlib.contextmanager
    def captured(self) -> Iterator[None]:
        """Send stdout and stderr of this process (Dagster's console logger, dbt's output that
        dagster-dbt echoes, library warnings) to the log file while the block runs."""
        if self.log is None:
            yield
            return
        with contextlib.redirect_stdout(self.log), contextlib.redirect_stderr(self.log):
            yield
