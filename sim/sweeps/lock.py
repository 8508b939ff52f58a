"""One writer per sweep folder: an OS file lock held for the whole life of a sweep.

::

    with SweepLock(out):            # raises SweepLocked naming the holder if another writer runs
        ...write manifest and chunks...

The lock is ``fcntl.flock`` on ``out/.lock`` (``msvcrt.locking`` on Windows): the operating
system releases it when the process ends, however it ends (kill -9 included), so a crashed sweep
never leaves a stale lock. The file's text names the holder (pid, host, start time) for the
message a second writer gets; the file itself stays and is ignored by readers.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sim.sweeps.spec import SweepError

LOCK_FILE = ".lock"


class SweepLocked(SweepError):
    """Another process is writing this sweep folder."""


def _try_lock(fh: IO[Any]) -> bool:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def holder(out: str | Path) -> str:
    """Who holds (or last held) the lock of ``out``, as text ('' if unknown)."""
    try:
        info = json.loads((Path(out) / LOCK_FILE).read_text())
        return f"pid {info['pid']} on {info['host']} since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


class SweepLock:
    """Exclusive lock of a sweep folder (created if missing); use as a context manager."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self._fh: IO[Any] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`SweepLocked` naming the holder."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            fh = open(self.out / LOCK_FILE, "a+")  # never truncates another holder's text
        except OSError as exc:
            raise SweepError(f"--out: cannot write to {self.out} ({exc.strerror or exc})") from None
        if not _try_lock(fh):
            fh.close()
            who = holder(self.out) or "another process"
            raise SweepLocked(
                f"{self.out} is being written by another sweep ({who}); wait for it to end or "
                "use another --out")
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "since": datetime.now(UTC).isoformat(timespec="seconds")}))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Release the lock (closing the file releases it)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "SweepLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
