"""Output folders written as transactions: ``--out`` holds a complete result or nothing.

::

    tx = OutputFolder(out, force=False, command="run")
    tx.begin()                      # before any computing: refuses a bad --out, proves writability
    ...compute...
    tx.write("summary.json", lambda p: p.write_text(text))   # into a hidden sibling folder
    tx.write("report.html", render)                          # a failure here is recorded ...
    tx.commit()                     # ... and what was written is still renamed into place

Rules:

* ``out`` must be new or an empty folder. With ``force`` it may also be a previous socsim
  output, recognised by its marker file :data:`MARKER`; it is then replaced *as a whole* (no
  stale ``attribution.csv`` next to a new summary). A folder without the marker is never
  deleted or written into.
* Files are written into ``.<name>.socsim-tmp-<pid>`` next to ``out`` and the folder is renamed
  into place at :meth:`OutputFolder.commit`, so a kill or a full disk mid-write leaves ``out``
  as it was; leftovers of killed processes are removed by the next :meth:`OutputFolder.begin`.
* :meth:`OutputFolder.write` records a failed file (e.g. the HTML report) instead of raising,
  so results computed before a late failure are still saved; :attr:`OutputFolder.failed` says
  which files are missing and why.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MARKER = ".socsim-output"
"""File in every folder socsim wrote as a whole (JSON: command, time, files)."""

_TMP_TAG = ".socsim-tmp-"
_OLD_TAG = ".socsim-old-"


class OutputError(ValueError):
    """``--out`` cannot be used (not empty, not a socsim output, not writable, ...)."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(out: Path) -> list[Path]:
    """Remove hidden temporary siblings of ``out`` left by killed socsim processes."""
    removed = []
    parent = out.parent
    if not parent.is_dir():
        return removed
    for tag in (_TMP_TAG, _OLD_TAG):
        for p in parent.glob(f".{out.name}{tag}*"):
            pid = p.name.rsplit("-", 1)[-1]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    return removed


def is_socsim_output(path: Path) -> bool:
    """True if ``path`` is a folder socsim wrote (it holds the marker file)."""
    return path.is_dir() and (path / MARKER).is_file()


def check_destination(out: Path, force: bool) -> None:
    """Raise :class:`OutputError` unless ``out`` may receive a new result (see module rules)."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out: {out} exists and is a file, not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not is_socsim_output(out):
        raise OutputError(
            f"--out: {out} is not empty and is not a socsim output (no {MARKER} file); socsim "
            "never replaces such a folder: choose a new or empty folder")
    if not force:
        raise OutputError(
            f"--out: {out} holds a previous socsim output; use --force to replace it as a "
            "whole, or choose a new folder")


class OutputFolder:
    """One transactional output folder (see the module docstring)."""

    def __init__(self, out: str | Path, *, force: bool = False, command: str = "") -> None:
        self.out = Path(out)
        self.force = force
        self.command = command
        self.path: Path | None = None
        self.written: list[str] = []
        self.failed: dict[str, str] = {}

    def begin(self) -> Path:
        """Check ``out`` and create the temporary folder; returns it. Raises OutputError."""
        check_destination(self.out, self.force)
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            clean_leftovers(self.out)
            tmp = self.out.parent / f".{self.out.name}{_TMP_TAG}{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            probe = tmp / ".write-test"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"--out: cannot write to {self.out.parent} "
                              f"({exc.strerror or exc})") from None
        self.path = tmp
        return tmp

    def write(self, name: str, writer: Callable[[Path], Any]) -> bool:
        """Run ``writer(path)`` for ``name`` inside the temporary folder; False if it failed
        (the reason is kept in :attr:`failed` and the partial file removed)."""
        if self.path is None:
            raise RuntimeError("OutputFolder.begin() was not called")
        target = self.path / name
        try:
            writer(target)
        except Exception as exc:  # noqa: BLE001 - a late failure must not lose earlier results
            self.failed[name] = _reason(exc)
            target.unlink(missing_ok=True)
            return False
        self.written.append(name)
        return True

    def commit(self) -> bool:
        """Rename the temporary folder into place (replacing a previous socsim output when
        forced). Returns False, removing the temporary folder, if nothing was written."""
        if self.path is None:
            raise RuntimeError("OutputFolder.begin() was not called")
        if not self.written:
            self.abort()
            return False
        marker = {"command": self.command, "written": self.written, "failed": self.failed,
                  "created": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            (self.path / MARKER).write_text(json.dumps(marker, indent=1))
            self._swap()
        except OutputError as exc:  # --out changed while computing: keep the results aside
            kept, self.path = self.path, None
            raise OutputError(f"{exc}; the new results are kept in {kept}") from None
        except OSError as exc:
            self.abort()
            raise OutputError(f"--out: could not write {self.out} ({exc.strerror or exc}); "
                              "nothing was written") from None
        self.path = None
        return True

    def _swap(self) -> None:
        assert self.path is not None
        check_destination(self.out, self.force)  # it may have changed while computing
        old = None
        if self.out.is_dir():
            if any(self.out.iterdir()):
                old = self.out.parent / f".{self.out.name}{_OLD_TAG}{os.getpid()}"
                os.rename(self.out, old)
            else:
                self.out.rmdir()
        os.rename(self.path, self.out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Remove the temporary folder; ``out`` is left as it was."""
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None

    def __enter__(self) -> "OutputFolder":
        if self.path is None:
            self.begin()
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None:  # computing failed or was interrupted: nothing is published
            self.abort()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


def write_file_atomic(path: str | Path, writer: Callable[[Path], Any]) -> Path:
    """Write one file through ``writer(tmp_path)`` and rename it into place: ``path`` is
    complete or untouched."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}{_TMP_TAG}{os.getpid()}{path.suffix}")  # same extension
    try:
        writer(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
