"""``socsim sweep``: run, resume or repair a parameter sweep (local processes or Dask)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (AllowLargeOption, UncertaintyOption, check_workers, fail,
                            load_uncertainty_or_fail, say)

SCHEDULER_RE = r"^(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}/?$"


def check_scheduler(scheduler: str | None, workers: int | None = None) -> None:
    """Exit 2 unless the Dask scheduler address (option, else environment) looks usable."""
    from sim.execution.executors import ENV_SCHEDULER

    for label, value in (("--scheduler", scheduler), (f"${ENV_SCHEDULER}", os.environ.get(ENV_SCHEDULER))):
        if value is None or not value.strip() or value == "local" and label == "--scheduler":
            continue
        if label != "--scheduler" and (scheduler or workers == 1):  # the environment is not used
            continue
        if not re.match(SCHEDULER_RE, value.strip()):
            fail(f"{label}: {value!r} is not a Dask scheduler address; expected tcp://HOST:PORT "
                 "(e.g. tcp://scheduler-host:8786)" + (" or 'local'" if label == "--scheduler" else ""))


def sweep(
    sweep_file: Annotated[Optional[Path], typer.Argument(
        help="sweep TOML file (see scenarios/sweeps/)")] = None,
    out: Annotated[Optional[Path], typer.Option(
        help="output directory (manifest.json, runs/*.parquet)")] = None,
    workers: Annotated[Optional[int], typer.Option(
        help="parallel workers (1 = serial; default: all cores)")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Dask scheduler address tcp://HOST:PORT, or 'local' for a local Dask cluster "
        "(default: $DASK_SCHEDULER_ADDRESS, else a local process pool)")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="finish a sweep in --out: run only the run_ids not yet written")] = False,
    chunk_size: Annotated[Optional[int], typer.Option(
        help="runs per task (default: about 8 tasks per worker, at most 64 runs)")] = None,
    repair: Annotated[Optional[Path], typer.Option(
        help="clean the sweep folder DIR after a crash (partial files, duplicate runs), then "
        "exit; continue the sweep with --resume")] = None,
    allow_large: AllowLargeOption = False,
    uncertainty: UncertaintyOption = None,
) -> None:
    """Run a parameter sweep (grid, latin_hypercube, sobol, morris), resumable, local or on Dask."""
    from sim.execution.executors import ExecutorError
    from sim.config.scenario import ScenarioError
    from sim.sweeps.driver import run_sweep
    from sim.sweeps.tasks import RunFailed

    if repair is not None:
        _repair(repair)
        return
    if sweep_file is None or out is None:
        fail("sweep: give a sweep file and --out DIR (or --repair DIR)")
    check_workers(workers)
    if chunk_size is not None and chunk_size < 1:
        fail(f"--chunk-size: must be at least 1 (got {chunk_size})")
    check_scheduler(scheduler, workers)
    draws = load_uncertainty_or_fail(uncertainty, [])
    try:
        res = run_sweep(sweep_file, out, workers=workers, scheduler=scheduler, resume=resume,
                        chunk_size=chunk_size, preflight=_preflight(workers, allow_large),
                        uncertainty=draws)
    except (ScenarioError, ExecutorError, FileNotFoundError) as exc:  # SweepError is a ScenarioError
        fail(str(exc))
    except RunFailed as exc:
        fail(f"{exc}\nfinished chunks are kept; fix the cause and continue with --resume", code=1)
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}; finished chunks are kept: free the space or fix "
             f"the folder, then run socsim sweep --repair {out} and continue with --resume",
             code=1)
    except KeyboardInterrupt:
        fail(f"interrupted; finished chunks are kept in {out}: continue with "
             f"socsim sweep {sweep_file} --out {out} --resume", code=130)
    _say_result(res, out, draws)


def _repair(folder: Path) -> None:
    """``--repair DIR``: clean the sweep folder and say what was done (exit 2 if unusable)."""
    from sim.config.scenario import ScenarioError
    from sim.sweeps.driver import repair_sweep

    try:
        done = repair_sweep(folder)
    except ScenarioError as exc:  # SweepError, SweepLocked
        fail(str(exc))
    for line in done or [f"{folder}: nothing to repair"]:
        say(line)


def _say_result(res, out: Path, draws) -> None:
    """How many runs ran, how fast, on what, and where the chunks are."""
    rate = res.ran / res.seconds if res.seconds > 0 else 0.0
    if res.ran == 0:
        say(f"nothing to do: all {res.total_runs} runs of {out} are finished")
        return
    say(f"{res.ran} runs in {res.seconds:.1f} s ({rate:.2f} runs/s) on {res.backend}; "
        f"{res.already_done + res.ran}/{res.total_runs} runs done, {res.chunks} chunk file(s) "
        f"written to {out / 'runs'}")
    if draws is not None:
        say(f"replication r of every point drew the same parameter vector: "
            f"{draws.describe()}; the drawn values are columns of runs/")


def _preflight(workers: int | None, allow_large: bool):
    """The driver's pre-flight hook: refuse a sweep above the memory/time limits."""
    from sim.config.preflight import check_job
    from sim.sweeps.spec import SweepError

    def check(scenarios: list, runs: int) -> None:
        scenarios = [s for s in scenarios if hasattr(s, "run")]  # a custom base: no estimate
        if not scenarios:
            return
        problem, notes = check_job(scenarios, runs=runs, workers=workers or os.cpu_count() or 1)
        if problem and not allow_large:
            raise SweepError(f"{problem}; reduce the design or add --allow-large")
        for note in notes:
            say(f"warning: {note}", err=True)

    return check
