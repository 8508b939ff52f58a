"""Parameter sweeps: a sweep file -> a design -> many runs -> Parquet chunks, resumable.

::

    run_sweep("scenarios/sweeps/example_sweep.toml", "out/sw", workers=None, scheduler=None)
    query("out/sw", 'SELECT "behaviour.s0", avg(gmv) FROM runs GROUP BY 1')

Runs are numbered ``run_id = point * replications + replication``; a run's seed comes from
(sweep seed, run_id) only (:func:`sim.sweeps.tasks.run_seed`), so results do not depend on the
backend, the chunking or on resuming. Sweep files: :mod:`sim.sweeps.spec`; output layout:
:mod:`sim.sweeps.store`; backends: :mod:`sim.execution.executors`.
"""

from __future__ import annotations

import json
import shutil
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.execution.executors import chunked, guided_chunks, make_executor
from sim.execution.progress import RunProgress
from sim.execution.uncertainty import ParameterDraws
from sim.sweeps.design import Design, generate_design, run_specs
from sim.sweeps.spec import (
    OVERRIDE_ERRORS,
    Parameter,
    Sweep,
    SweepError,
    load_sweep,
    planned_runs,
    validate_sweep,
)
from sim.sweeps.lock import LOCK_FILE, SweepLock, SweepLocked
from sim.sweeps.store import (
    RUNS_DIR,
    TS_DIR,
    chunk_ids,
    clean_partial,
    done_run_ids,
    drop_duplicate_runs,
    query,
    read_manifest,
    write_chunk,
    write_manifest,
)
from sim.sweeps.tasks import ChunkTask, RunFn, engine_run, run_chunk

__all__ = [
    "Design",
    "Parameter",
    "Sweep",
    "SweepError",
    "SweepResult",
    "generate_design",
    "iter_runs",
    "load_sweep",
    "query",
    "repair_sweep",
    "run_specs",
    "run_sweep",
    "sweep_status",
    "validate_sweep",
]

MANIFEST_FORMAT = "socsim-sweep/1"


# --------------------------------------------------------------------------- execution


@dataclass(frozen=True)
class SweepResult:
    """What :func:`run_sweep` did."""

    out_dir: Path
    total_runs: int
    already_done: int
    ran: int
    chunks: int
    seconds: float
    backend: str


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    return obj


def _load_base(sweep: Sweep, run_fn: RunFn | None, base_loader: Callable[[Path], Any] | None) -> Any:
    """Load the base scenario in the driving process and apply ``set``."""
    path = sweep.base_path
    src = sweep.source or "sweep"
    if not path.is_file():
        raise SweepError(f"{src}: base: scenario file {path} not found (resolved relative to the sweep file)")
    fixed = sweep.fixed_overrides
    if base_loader is None and run_fn is not None:  # custom run function: the raw TOML dict
        base = tomllib.loads(path.read_text())
        for key, value in fixed.items():
            node = base
            *parents, last = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        return base
    if base_loader is not None:
        base = base_loader(path)
    else:
        from sim.config.scenario import load_scenario

        base = load_scenario(path)
    if fixed:
        try:
            base = base.with_overrides(fixed)
        except OVERRIDE_ERRORS as exc:
            raise SweepError(f"{src}: set: rejected by the scenario: {exc}") from None
    validate_sweep(sweep, base)
    return base


def _extremes(sw: Sweep, base: Any, limit: int = 64) -> list[Any]:
    """The base and, for a scenario base, the base at each parameter's range ends (or listed
    values), one parameter at a time: what a pre-flight estimate should look at."""
    out = [base]
    if not hasattr(base, "with_overrides"):
        return out
    for p in sw.parameters:
        for v in p.representative_values()[:limit]:
            try:
                out.append(base.with_overrides({p.name: v}))
            except OVERRIDE_ERRORS:
                pass  # reported by the design check that follows
    return out


def _validate_points(sweep: Sweep, base: Any, points: list[list[Any]]) -> None:
    """Apply every design point to the scenario before running (joint constraints)."""
    for i, pt in enumerate(points):
        params = dict(zip(sweep.names, pt, strict=True))
        try:
            base.with_overrides(params)
        except OVERRIDE_ERRORS as exc:
            src = sweep.source or "sweep"
            raise SweepError(f"{src}: design point {i} {params} rejected by the scenario: {exc}") from None


def _manifest(sweep: Sweep, base: Any, design: Design) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sweep_file": str(sweep.source) if sweep.source else None,
        "sweep": sweep.model_dump(mode="json"),
        "base": {"path": str(sweep.base_path), "scenario": _jsonable(base)},
        "design": sweep.design,
        "parameters": [p.model_dump(mode="json") | {"type": p.arrow_type} for p in sweep.parameters],
        "problem": design.problem,
        "samples": design.samples.tolist(),
        "points": design.points,
        "total_points": design.n_points,
        "replications": sweep.replications,
        "total_runs": design.n_points * sweep.replications,
        "seed": sweep.seed,
        "kpis": sweep.kpis,
        "timeseries": sweep.timeseries,
        "run_id": "point * replications + replication",
        "run_seed": "SeedSequence([seed, run_id]).generate_state(1, uint64)[0] >> 1",
    }


def _check_same(old: dict[str, Any], new: dict[str, Any], out: Path) -> None:
    def norm(v: Any) -> Any:
        return json.loads(json.dumps(v, default=str))

    diffs = []
    if norm(new["sweep"]) != old.get("sweep"):
        diffs.append("the sweep definition")
    if norm(new["base"]["scenario"]) != old.get("base", {}).get("scenario"):
        diffs.append("the base scenario")
    if norm(new.get("uncertainty")) != old.get("uncertainty"):
        diffs.append("the --uncertainty file")
    if diffs:
        raise SweepError(
            f"{out}: cannot resume: {' and '.join(diffs)} differ from the manifest written when this "
            "sweep started; restore the original files or start a new output directory"
        )


LEFTOVERS = {LOCK_FILE, "manifest.json.tmp", RUNS_DIR, TS_DIR}
"""What a start killed (or stopped by a full disk) before its manifest was written can leave."""


def _prepare_out(out: Path, resume: bool) -> bool:
    """Returns True if there is a sweep to resume in ``out`` (called while holding its lock).

    A folder holding only the leftovers of a start that died before its manifest was written
    (the lock file, ``manifest.json.tmp``, empty ``runs/``) counts as empty and is cleaned.
    """
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if set(entries) <= LEFTOVERS and not any(chunk_ids(out / d) for d in (RUNS_DIR, TS_DIR)):
        repair_sweep(out, locked=True)
        return False
    if not resume:
        shown = [e for e in entries if e != LOCK_FILE]
        raise SweepError(
            f"output directory {out} is not empty ({', '.join(shown[:4])}{', ...' if len(shown) > 4 else ''}); "
            "resume it (resume=True / --resume) or choose an empty directory"
        )
    if "manifest.json" not in entries:
        raise SweepError(f"cannot resume: {out} is not empty but has no manifest.json (not a sweep output "
                         "directory)")
    return True


def repair_sweep(out_dir: str | Path, *, locked: bool = False) -> list[str]:
    """Clean a sweep folder after a crash: leftovers of a start without manifest, ``*.tmp``
    files, time-series chunks without their runs file, and runs written twice (a run_id in
    several chunks keeps its first chunk's row; runs are deterministic per run_id, so the
    copies are equal). Returns what was done, one line each. Takes the folder's lock unless
    ``locked``."""
    out = Path(out_dir)
    if not out.is_dir():
        raise SweepError(f"--repair: {out} is not a folder")
    if not locked:
        with SweepLock(out):
            return repair_sweep(out, locked=True)
    done = []
    tmp_manifest = out / "manifest.json.tmp"
    if tmp_manifest.exists():
        tmp_manifest.unlink()
        done.append(f"removed {tmp_manifest.name} (a start that never finished its manifest)")
    done += [f"removed {p.relative_to(out)} (partial write)" for p in clean_partial(out)]
    done += drop_duplicate_runs(out)
    return done


def run_sweep(
    sweep: str | Path | Sweep,
    out_dir: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    *,
    chunk_size: int | None = None,
    run_fn: RunFn | None = None,
    base_loader: Callable[[Path], Any] | None = None,
    preflight: Callable[[Any, int], None] | None = None,
    uncertainty: ParameterDraws | None = None,
) -> SweepResult:
    """Run (or resume) a sweep, writing ``out_dir/manifest.json`` and one Parquet file per chunk.

    The folder is locked (:class:`sim.sweeps.lock.SweepLock`) for the whole sweep: a second
    writer fails at once with :class:`sim.sweeps.lock.SweepLocked` naming the holder.

    Args:
        sweep: sweep file path or a :class:`Sweep`.
        out_dir: output directory; must be empty/missing unless ``resume``.
        workers, scheduler: backend, see :func:`sim.execution.executors.make_executor`.
        resume: continue a sweep in ``out_dir``: only run_ids missing from ``runs/`` are run.
        progress: show a rich progress bar (stderr).
        chunk_size: runs per task (default: decreasing sizes of at most 64 runs, the last
            ones single runs: :func:`sim.execution.executors.guided_chunks`).
        run_fn: picklable top-level ``f(base, params, seed, keep_timeseries)``; default runs the
            engine (``Scenario.with_overrides`` + ``sim.execution.runner.run_single``). With a custom
            ``run_fn`` the base file is passed as a raw TOML dict unless ``base_loader`` is given.
        base_loader: ``f(path) -> base`` to load the base scenario in the driving process.
        preflight: ``f(scenarios, total_runs)`` called before the design is generated with the
            base and the base at each parameter's range ends; raise (e.g. :class:`SweepError`)
            to refuse a sweep that is too large for this machine.
        uncertainty: parameter draws; replication ``r`` of every design point uses
            ``uncertainty.draw(seed, r)`` (paired across points); the drawn values are
            columns of ``runs/`` like the swept parameters.
    """
    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    out = Path(out_dir)
    base = _load_base(sw, run_fn, base_loader)  # every check that needs no folder comes first
    if preflight is not None:
        preflight(_extremes(sw, base), planned_runs(sw))
    design = generate_design(sw)
    if run_fn is None or base_loader is not None:
        _validate_points(sw, base, design.points)
    manifest = _manifest(sw, base, design)
    manifest["uncertainty"] = None if uncertainty is None else uncertainty.to_json()
    if uncertainty is not None:
        _check_uncertainty(sw, base, uncertainty)
    created = not out.exists()
    try:
        with SweepLock(out):
            return _run_locked(sw, out, base, manifest, workers, scheduler, resume, progress,
                               chunk_size, run_fn, uncertainty)
    except SweepLocked:  # the folder is another writer's: never touch it
        raise
    except SweepError:
        if created:
            _remove_if_unwritten(out)  # refused before writing: leave no folder
        raise


def _check_uncertainty(sw: Sweep, base: Any, uncertainty: ParameterDraws) -> None:
    """Drawn keys are not swept too, and every one exists in the base scenario."""
    both = sorted(set(uncertainty.keys) & set(sw.names))
    if both:
        raise SweepError(f"--uncertainty: {both[0]} is also a swept parameter; keep each "
                         "key in one place")
    if hasattr(base, "with_overrides"):
        uncertainty.check(base)  # UncertaintyError is a ScenarioError, like SweepError


def _remove_if_unwritten(out: Path) -> None:
    """Delete a folder this sweep created if it holds nothing but the lock and an empty runs/."""
    if {p.name for p in out.iterdir()} <= {LOCK_FILE, RUNS_DIR} and not any(
            (out / RUNS_DIR).iterdir() if (out / RUNS_DIR).is_dir() else ()):
        shutil.rmtree(out, ignore_errors=True)


def _run_locked(sw: Sweep, out: Path, base: Any, manifest: dict[str, Any], workers: int | None,
                scheduler: str | None, resume: bool, progress: bool, chunk_size: int | None,
                run_fn: RunFn | None, uncertainty: ParameterDraws | None = None) -> SweepResult:
    resuming = _prepare_out(out, resume)
    if resuming:
        old = read_manifest(out)
        _check_same(old, manifest, out)
        points = old["points"]
    else:
        (out / RUNS_DIR).mkdir(exist_ok=True)
        write_manifest(out, manifest)
        points = manifest["points"]

    clean_partial(out)
    specs = run_specs(sw.names, points, sw.replications, sw.seed)
    if uncertainty is not None:
        specs = [replace(s, draw=uncertainty.draw(sw.seed, s.replication)) for s in specs]
    done = done_run_ids(out)
    _check_done(done, len(specs), out)
    done_set = set(done)
    todo = [s for s in specs if s.run_id not in done_set]
    param_types = {p.name: p.arrow_type for p in sw.parameters}
    param_types |= {k: "float64" for k in (uncertainty.keys if uncertainty else ())}
    kpis = tuple(sw.kpis) if sw.kpis else None
    fn = run_fn or engine_run
    t0 = time.perf_counter()
    n_chunks = 0
    backend = "none"
    if todo:
        with make_executor(workers, scheduler) as ex:
            backend = ex.describe()
            first = max(chunk_ids(out / RUNS_DIR), default=-1) + 1
            parts = (chunked(todo, chunk_size) if chunk_size
                     else guided_chunks(todo, ex.workers))
            tasks = [ChunkTask(first + i, base, runs, fn, kpis, sw.timeseries)
                     for i, runs in enumerate(parts)]
            label = f"sweep {sw.name or out.name} [{backend}]"
            with RunProgress(len(specs), label, done=len(done_set), enabled=progress,
                             transient=False) as bar:
                for res in ex.map_chunks(run_chunk, tasks):
                    write_chunk(out, res.chunk_id, res.rows, param_types, res.timeseries)
                    n_chunks += 1
                    bar.advance(len(res.rows))
    return SweepResult(out, len(specs), len(done_set), len(todo), n_chunks, time.perf_counter() - t0, backend)


def _check_done(done: list[int], total: int, out: Path) -> None:
    dups = sorted(k for k, c in Counter(done).items() if c > 1)
    if dups:
        raise SweepError(f"{out}: run_ids {dups[:10]} appear in more than one chunk file (two writers "
                         f"at once?); clean it with: socsim sweep --repair {out}")
    bad = sorted(r for r in done if not 0 <= r < total)
    if bad:
        raise SweepError(f"{out}: run_ids {bad[:10]} are outside this sweep's 0..{total - 1}")


def sweep_status(out_dir: str | Path) -> dict[str, Any]:
    """Progress of a sweep directory: total runs, done, missing run_ids, duplicated run_ids."""
    out = Path(out_dir)
    manifest = read_manifest(out)
    done = done_run_ids(out)
    counts = Counter(done)
    total = int(manifest["total_runs"])
    missing = sorted(set(range(total)) - set(counts))
    return {
        "total_runs": total,
        "done": len(counts),
        "missing": missing,
        "duplicates": sorted(k for k, c in counts.items() if c > 1),
        "complete": not missing,
    }


def iter_runs(out_dir: str | Path) -> Iterator[Any]:
    """Yield each runs chunk as a pandas DataFrame (for streaming very large sweeps)."""
    import pyarrow.parquet as pq

    for _, p in sorted(chunk_ids(Path(out_dir) / RUNS_DIR).items()):
        yield pq.read_table(p).to_pandas()
