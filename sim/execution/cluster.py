"""A Dask cluster of separate processes talking TCP, started on this machine.

The scheduler and the workers are the same programs one starts on separate machines
(``dask scheduler``; ``dask worker tcp://HOST:PORT --nworkers N --nthreads 1``), bound to the
loopback address instead of a network card. Nothing is shared with the calling process but the
TCP connection: jobs and results are pickled over the wire exactly as between machines. Used by
the test suite and the benchmarks to exercise the cluster path; see docs/scaling.md for real
multi-machine setups::

    with tcp_cluster(n_workers=2) as address:          # "tcp://127.0.0.1:PORT"
        rows = map_runs(fn, jobs, scheduler=address)

The processes are started in their own process group and always stopped on exit (terminate,
then kill after ``grace`` seconds), also when the body raises.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.execution.executors import PRELOAD, ExecutorError

__all__ = ["free_port", "tcp_cluster"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _worker_env() -> dict[str, str]:
    """The environment of the cluster processes: this ``sim`` package first on the path, so the
    workers run the same code as the client (as an identical install does on other machines)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    # Dask's statistical profiler samples every worker thread each 10 ms: ~0.035 CPU-seconds
    # per second for two idle workers, measured; nobody reads it here (no dashboard)
    env.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")
    return env


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as fh:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=fh,
                                stderr=subprocess.STDOUT, env=_worker_env(),
                                start_new_session=True)


def _stop(proc: subprocess.Popen, grace: float) -> None:
    """Terminate the process group of ``proc`` (nanny and its workers), kill if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass


def _wait_ready(address: str, n_workers: int, procs: list[subprocess.Popen], logs: list[Path],
                deadline: float) -> None:
    """Block until the scheduler answers and ``n_workers`` workers registered, else raise."""
    from distributed import Client

    last: Exception | None = None
    while time.monotonic() < deadline:
        for proc, log in zip(procs, logs):
            if proc.poll() is not None:
                raise ExecutorError(f"a cluster process exited early ({proc.args[3]}):\n"
                                    + log.read_text(errors="replace")[-2000:])
        try:
            with Client(address, timeout=max(1.0, deadline - time.monotonic()),
                        set_as_default=False) as client:
                client.wait_for_workers(n_workers, timeout=max(1.0, deadline - time.monotonic()))
                return
        except (OSError, TimeoutError) as exc:
            last = exc
            time.sleep(0.2)
    raise ExecutorError(f"the TCP cluster at {address} did not get {n_workers} workers in time "
                        f"({last})")


@contextmanager
def tcp_cluster(n_workers: int = 2, nthreads: int = 1, host: str = "127.0.0.1",
                timeout: float = 90.0, grace: float = 10.0,
                preload: tuple[str, ...] = tuple(PRELOAD)) -> Iterator[str]:
    """Start ``dask scheduler`` and ``dask worker --nworkers n_workers --nthreads nthreads`` as
    separate processes over TCP on ``host``; yield the scheduler address; stop them on exit.

    Args:
        n_workers: worker processes (1–64).
        nthreads: threads per worker (1 keeps every run on its own core).
        host: interface to bind (loopback by default: nothing is reachable from outside).
        timeout: seconds to wait for the scheduler and every worker to be up.
        grace: seconds between terminate and kill when stopping.
        preload: modules every worker imports at start (``dask worker --preload``), so the
            first task does not pay the engine's import nor the loading of its compiled
            kernels (:mod:`sim.execution.prewarm`).

    Raises:
        ExecutorError: a process failed to start or the workers did not register in time.
    """
    port = free_port(host)
    address = f"tcp://{host}:{port}"
    logdir = Path(tempfile.mkdtemp(prefix="socsim-cluster-"))
    logs = [logdir / "scheduler.log", logdir / "worker.log"]
    procs: list[subprocess.Popen] = []
    try:
        procs.append(_spawn(["scheduler", "--host", host, "--port", str(port),
                             "--no-dashboard"], logs[0]))
        procs.append(_spawn(["worker", address, "--nworkers", str(n_workers),
                             "--nthreads", str(nthreads), "--host", host, "--no-dashboard",
                             *(arg for mod in preload for arg in ("--preload", mod))],
                            logs[1]))
        _wait_ready(address, n_workers, procs, logs, time.monotonic() + timeout)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc, grace)
        for log in logs:
            log.unlink(missing_ok=True)
        logdir.rmdir()
