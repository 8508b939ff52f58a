"""Worker processes that end with the process that started them.

A pool worker forked from a forkserver has the forkserver, not the driver, as its parent, and
waits on its task queue forever if the driver is killed (kill -9, OOM killer): each idle worker
keeps its whole engine in memory. :func:`follow_driver` is a pool *initializer*: a daemon
thread in the worker checks every :data:`POLL_SECONDS` that the driver still runs and ends the
worker when it does not::

    ProcessPoolExecutor(..., initializer=follow_driver, initargs=(os.getpid(),))
"""

from __future__ import annotations

import os
import threading
import time

POLL_SECONDS = 1.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else (pid reused): treat as gone
        return False
    return True


def _watch(pid: int, poll: float) -> None:
    while True:
        time.sleep(poll)
        if not _alive(pid):
            os._exit(1)  # the driver is gone: nobody will read this worker's results


def follow_driver(driver_pid: int, poll: float = POLL_SECONDS) -> None:
    """Pool initializer: end this worker within ``poll`` seconds of ``driver_pid`` ending."""
    threading.Thread(target=_watch, args=(driver_pid, poll), daemon=True,
                     name="socsim-follow-driver").start()
