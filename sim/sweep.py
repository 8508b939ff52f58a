"""Parameter sweeps: a TOML sweep file -> a design (SALib) -> many runs -> Parquet chunks.

Sweep file (see ``scenarios/sweeps/example_sweep.toml``)::

    base = "../baseline.toml"          # scenario, relative to this file
    design = "sobol"                   # grid | latin_hypercube | sobol | morris
    samples = 64                       # N (not for grid)
    replications = 2
    seed = 42
    kpis = ["gmv", "reach"]            # summary KPIs kept (default: all)
    timeseries = false

    [[parameters]]
    name = "behaviour.s0"              # dotted scenario key
    low = 0.05
    high = 0.4

Runs are numbered ``run_id = point * replications + replication``; a run's seed comes from
(sweep seed, run_id) only (:func:`sim.sweep_tasks.run_seed`), so results do not depend on the
backend, the chunking or on resuming. Output layout: :mod:`sim.sweep_store`.
"""

from __future__ import annotations

import itertools
import json
import math
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)

from sim.executors import auto_chunk_size, chunked, make_executor
from sim.sweep_store import (
    RUNS_DIR,
    chunk_ids,
    clean_partial,
    done_run_ids,
    query,
    read_manifest,
    write_chunk,
    write_manifest,
)
from sim.sweep_tasks import ChunkTask, RunFn, RunSpec, engine_run, run_chunk, run_seed

try:  # the engine's error type, so callers catch one exception for bad input files
    from sim.scenario import ScenarioError as _ErrorBase
except ImportError:  # engine not there yet
    _ErrorBase = ValueError

__all__ = [
    "Design",
    "Parameter",
    "Sweep",
    "SweepError",
    "SweepResult",
    "generate_design",
    "load_sweep",
    "query",
    "run_specs",
    "run_sweep",
    "sweep_status",
    "validate_sweep",
]

MANIFEST_FORMAT = "socsim-sweep/1"
Design_ = Literal["grid", "latin_hypercube", "sobol", "morris"]


class SweepError(*((_ErrorBase,) if issubclass(_ErrorBase, ValueError) else (_ErrorBase, ValueError))):  # type: ignore[misc]
    """A bad sweep file or an output directory that cannot be used."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- spec


class Parameter(BaseModel):
    """One swept scenario parameter: a range (``low``/``high``) or a list of ``values``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$|^[A-Za-z_][A-Za-z0-9_]*$")
    low: float | None = None
    high: float | None = None
    values: list[StrictBool | StrictInt | StrictFloat | str] | None = Field(None, min_length=1)
    levels: int | None = Field(None, ge=2, description="grid only: evenly spaced points in [low, high]")
    integer: bool = False
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        has_range = self.low is not None or self.high is not None
        if self.values is not None:
            if has_range:
                raise ValueError(f"{self.name}: give either values or low/high, not both")
            if self.levels is not None or self.integer or self.scale != "linear":
                raise ValueError(f"{self.name}: levels/integer/scale apply to low/high ranges, not to values")
            kinds = {_value_kind(v) for v in self.values}
            if len(kinds) > 1:
                raise ValueError(f"{self.name}: values must all be numbers, all booleans or all strings (got {self.values})")
            if len(set(map(repr, self.values))) != len(self.values):
                raise ValueError(f"{self.name}: values contain duplicates (got {self.values})")
            return self
        if self.low is None or self.high is None:
            raise ValueError(f"{self.name}: needs both low and high, or a list of values")
        if not self.low < self.high:
            raise ValueError(f"{self.name}: low must be < high (got low={self.low}, high={self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"{self.name}: scale = 'log' needs low > 0 (got low={self.low})")
        if self.integer and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError(f"{self.name}: integer = true needs whole low/high (got {self.low}, {self.high})")
        return self

    @property
    def arrow_type(self) -> str:
        """Column type of this parameter in the results."""
        if self.values is None:
            return "int64" if self.integer else "float64"
        return {"str": "string", "bool": "bool", "int": "int64", "float": "float64"}[_values_kind(self.values)]

    def sampling_bounds(self) -> list[float]:
        """Bounds of the (continuous) space SALib samples for this parameter."""
        if self.values is not None:
            return [0.0, float(len(self.values))]
        lo, hi = float(self.low), float(self.high) + (1.0 if self.integer else 0.0)  # type: ignore[arg-type]
        return [math.log(lo), math.log(hi)] if self.scale == "log" else [lo, hi]

    def from_sample(self, x: float) -> Any:
        """Map a sampled coordinate to the parameter value given to the scenario."""
        if self.values is not None:
            return self.values[min(int(math.floor(x)), len(self.values) - 1)]
        v = math.exp(x) if self.scale == "log" else float(x)
        if self.integer:
            return int(min(math.floor(v), self.high))  # type: ignore[arg-type]
        return float(min(max(v, self.low), self.high))  # type: ignore[type-var]

    def grid_values(self) -> list[Any]:
        """The grid levels of this parameter (``values``, or ``levels`` points in [low, high])."""
        if self.values is not None:
            return list(self.values)
        space = np.geomspace if self.scale == "log" else np.linspace
        pts = space(self.low, self.high, self.levels)
        if self.integer:
            return list(dict.fromkeys(int(round(p)) for p in pts))
        return [float(f"{p:.12g}") for p in pts]  # 0.225, not 0.22500000000000003

    def representative_values(self) -> list[Any]:
        """Values used to check the parameter against the scenario schema."""
        if self.values is not None:
            return list(self.values)
        if self.integer:
            return [int(self.low), int(self.high)]  # type: ignore[arg-type]
        return [float(self.low), float(self.high)]  # type: ignore[arg-type]


def _value_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return "str"


def _values_kind(values: list[Any]) -> str:
    kind = _value_kind(values[0])
    if kind == "number":
        return "int" if all(isinstance(v, int) for v in values) else "float"
    return kind


class Sweep(BaseModel):
    """A sweep file, validated. Build with :func:`load_sweep` (resolves ``base``)."""

    model_config = ConfigDict(extra="forbid")

    base: str = Field(description="base scenario TOML, relative to the sweep file")
    design: Design_
    parameters: list[Parameter] = Field(min_length=1)
    samples: int | None = Field(None, ge=1, description="N for latin_hypercube/sobol/morris")
    replications: int = Field(1, ge=1)
    seed: int = Field(0, ge=0)
    kpis: list[str] | None = Field(None, min_length=1)
    timeseries: bool = False
    second_order: bool = False
    morris_levels: int = Field(4, ge=2)
    name: str | None = None
    description: str | None = None

    _source: Path | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _check(self) -> Sweep:
        names = [p.name for p in self.parameters]
        dup = sorted(n for n, c in Counter(names).items() if c > 1)
        if dup:
            raise ValueError(f"parameters: duplicate name(s) {dup}")
        if self.kpis is not None and len(set(self.kpis)) != len(self.kpis):
            raise ValueError(f"kpis: duplicate names (got {self.kpis})")
        if self.design == "grid":
            if self.samples is not None:
                raise ValueError(
                    f"samples: not used by design 'grid' (got {self.samples}); the grid size is the "
                    "product of each parameter's values/levels"
                )
            for p in self.parameters:
                if p.values is None and p.levels is None:
                    raise ValueError(f"{p.name}: design 'grid' needs values = [...] or levels = K (>= 2)")
        else:
            if self.samples is None:
                raise ValueError(f"samples: design '{self.design}' needs samples = N (>= 1)")
            bad = [p.name for p in self.parameters if p.levels is not None]
            if bad:
                raise ValueError(f"levels: only used by design 'grid' (set on {bad}, design is '{self.design}')")
        if self.design == "sobol" and self.samples is not None and self.samples & (self.samples - 1):
            lo = 1 << (self.samples.bit_length() - 1)
            raise ValueError(
                f"samples: design 'sobol' needs a power of 2 (got {self.samples}; try {lo} or {lo * 2})"
            )
        if self.second_order and self.design != "sobol":
            raise ValueError(f"second_order: only for design 'sobol' (design is '{self.design}')")
        if "morris_levels" in self.model_fields_set and self.design != "morris":
            raise ValueError(f"morris_levels: only for design 'morris' (design is '{self.design}')")
        return self

    @property
    def source(self) -> Path | None:
        """The sweep file this came from (None if built in Python)."""
        return self._source

    @property
    def base_path(self) -> Path:
        """``base`` resolved relative to the sweep file (or the working directory)."""
        root = self._source.parent if self._source is not None else Path.cwd()
        return (root / self.base).resolve()

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]


_FIELDS = {(): Sweep, ("parameters",): Parameter}


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _format_errors(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            model = _FIELDS.get(tuple(p for p in loc[:-1] if not isinstance(p, int)), Sweep)
            msg = f"unknown key {loc[-1]!r}; allowed: {', '.join(model.model_fields)}"
        elif e["type"] == "missing":
            msg = f"missing required key {loc[-1]!r}"
        elif not isinstance(e.get("input"), dict):
            msg += f" (got {e['input']!r})"
        lines.append(f"{source}: {_loc_text(loc)}: {msg}" if loc else f"{source}: {msg}")
    return "\n".join(lines)


def load_sweep(path: str | Path | dict[str, Any], *, source: str | Path | None = None) -> Sweep:
    """Read and validate a sweep file (or a dict). Raises :class:`SweepError` naming the field."""
    if isinstance(path, dict):
        data, src = path, Path(source) if source else None
    else:
        src = Path(path)
        try:
            data = tomllib.loads(src.read_text())
        except FileNotFoundError:
            raise SweepError(f"{src}: sweep file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise SweepError(f"{src}: invalid TOML: {exc}") from None
    try:
        sweep = Sweep.model_validate(data)
    except ValidationError as exc:
        raise SweepError(_format_errors(exc, str(src or "sweep"))) from None
    sweep._source = src.resolve() if src is not None else None
    return sweep


def validate_sweep(sweep: Sweep, scenario: Any) -> None:
    """Check every parameter against the scenario schema (``scenario.with_overrides``).

    Tries the range ends (or every listed value) one parameter at a time, so an unknown key or
    an out-of-range value fails here, naming the parameter, before any run.
    """
    src = str(sweep.source or "sweep")
    for i, p in enumerate(sweep.parameters):
        for v in p.representative_values():
            try:
                scenario.with_overrides({p.name: v})
            except (_ErrorBase, ValueError, KeyError, TypeError) as exc:
                raise SweepError(f"{src}: parameters[{i}].name: {p.name} = {v!r} rejected by the scenario: {exc}") from None


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class Design:
    """The sample points of a sweep.

    ``samples`` is the (n_points, D) matrix in SALib's sampling space (what its analysers
    expect); ``points`` holds the parameter values given to the scenario, point by point.
    """

    names: list[str]
    problem: dict[str, Any]
    samples: np.ndarray
    points: list[list[Any]]

    @property
    def n_points(self) -> int:
        return len(self.points)


def generate_design(sweep: Sweep) -> Design:
    """Sample the design (deterministic given ``sweep.seed``)."""
    params = sweep.parameters
    problem = {
        "num_vars": len(params),
        "names": sweep.names,
        "bounds": [p.sampling_bounds() for p in params],
    }
    if sweep.design == "grid":
        axes = [p.grid_values() for p in params]
        points = [list(combo) for combo in itertools.product(*axes)]
        coords = [
            [float(p.values.index(v)) if p.values is not None else float(v) for p, v in zip(params, pt)]
            for pt in points
        ]
        X = np.asarray(coords, dtype=float).reshape(len(points), len(params))
        return Design(sweep.names, problem, X, points)
    N = int(sweep.samples)  # type: ignore[arg-type]
    if sweep.design == "latin_hypercube":
        from SALib.sample import latin

        X = latin.sample(problem, N, seed=sweep.seed)
    elif sweep.design == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, N, calc_second_order=sweep.second_order, seed=sweep.seed)
    else:
        from SALib.sample import morris

        X = morris.sample(problem, N, num_levels=sweep.morris_levels, seed=sweep.seed)
    X = np.asarray(X, dtype=float)
    points = [[p.from_sample(x) for p, x in zip(params, row)] for row in X]
    return Design(sweep.names, problem, X, points)


def run_specs(names: list[str], points: list[list[Any]], replications: int, seed: int) -> list[RunSpec]:
    """Every run of a sweep, in run_id order (``run_id = point * replications + rep``)."""
    specs = []
    for i, pt in enumerate(points):
        params = dict(zip(names, pt))
        for r in range(replications):
            rid = i * replications + r
            specs.append(RunSpec(rid, i, r, run_seed(seed, rid), params))
    return specs


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
    path = sweep.base_path
    if not path.is_file():
        raise SweepError(f"{sweep.source or 'sweep'}: base: scenario file {path} not found (resolved relative to the sweep file)")
    if base_loader is not None:
        return base_loader(path)
    if run_fn is None:
        from sim.scenario import load_scenario

        base = load_scenario(path)
        validate_sweep(sweep, base)
        return base
    return tomllib.loads(path.read_text())


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
    if diffs:
        raise SweepError(
            f"{out}: cannot resume: {' and '.join(diffs)} differ from the manifest written when this "
            "sweep started; restore the original files or start a new output directory"
        )


def _prepare_out(out: Path, resume: bool) -> bool:
    """Returns True if there is a sweep to resume in ``out``."""
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if not entries:
        return False
    if not resume:
        raise SweepError(
            f"output directory {out} is not empty ({', '.join(entries[:4])}{', ...' if len(entries) > 4 else ''}); "
            "resume it (resume=True / --resume) or choose an empty directory"
        )
    if "manifest.json" not in entries:
        raise SweepError(f"cannot resume: {out} is not empty but has no manifest.json (not a sweep output directory)")
    return True


def _progress(enabled: bool, total: int, done: int, label: str) -> Any:
    from contextlib import nullcontext

    if not enabled:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.1f} runs/s" if speed else "-- runs/s", style="progress.data.speed")

    prog = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    prog.add_task(label, total=total, completed=done)
    return prog


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
) -> SweepResult:
    """Run (or resume) a sweep, writing ``out_dir/manifest.json`` and one Parquet file per chunk.

    Args:
        sweep: sweep file path or a :class:`Sweep`.
        out_dir: output directory; must be empty/missing unless ``resume``.
        workers, scheduler: backend, see :func:`sim.executors.make_executor`.
        resume: continue a sweep in ``out_dir``: only run_ids missing from ``runs/`` are run.
        progress: show a rich progress bar (stderr).
        chunk_size: runs per task (default: ~8 tasks per worker, at most 64 runs).
        run_fn: picklable top-level ``f(base, params, seed, keep_timeseries)``; default runs the
            engine (``Scenario.with_overrides`` + ``sim.runner.run_single``). With a custom
            ``run_fn`` the base file is passed as a raw TOML dict unless ``base_loader`` is given.
        base_loader: ``f(path) -> base`` to load the base scenario in the driving process.
    """
    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    out = Path(out_dir)
    resuming = _prepare_out(out, resume)
    base = _load_base(sw, run_fn, base_loader)
    design = generate_design(sw)
    manifest = _manifest(sw, base, design)
    if resuming:
        old = read_manifest(out)
        _check_same(old, manifest, out)
        points = old["points"]
    else:
        out.mkdir(parents=True, exist_ok=True)
        (out / RUNS_DIR).mkdir(exist_ok=True)
        write_manifest(out, manifest)
        points = design.points

    clean_partial(out)
    specs = run_specs(sw.names, points, sw.replications, sw.seed)
    done = done_run_ids(out)
    _check_done(done, len(specs), out)
    done_set = set(done)
    todo = [s for s in specs if s.run_id not in done_set]
    param_types = {p.name: p.arrow_type for p in sw.parameters}
    kpis = tuple(sw.kpis) if sw.kpis else None
    fn = run_fn or engine_run
    t0 = time.perf_counter()
    n_chunks = 0
    backend = "none"
    if todo:
        with make_executor(workers, scheduler) as ex:
            backend = ex.describe()
            size = chunk_size or auto_chunk_size(len(todo), ex.workers)
            first = max(chunk_ids(out / RUNS_DIR), default=-1) + 1
            tasks = [
                ChunkTask(first + i, base, runs, fn, kpis, sw.timeseries)
                for i, runs in enumerate(chunked(todo, size))
            ]
            label = f"sweep {sw.name or out.name} [{backend}]"
            with _progress(progress, len(specs), len(done_set), label) as prog:
                for res in ex.map_chunks(run_chunk, tasks):
                    write_chunk(out, res.chunk_id, res.rows, param_types, res.timeseries)
                    n_chunks += 1
                    if prog is not None:
                        prog.advance(prog.task_ids[0], len(res.rows))
    return SweepResult(out, len(specs), len(done_set), len(todo), n_chunks, time.perf_counter() - t0, backend)


def _check_done(done: list[int], total: int, out: Path) -> None:
    dups = sorted(k for k, c in Counter(done).items() if c > 1)
    if dups:
        raise SweepError(f"{out}: run_ids {dups[:10]} appear in more than one chunk file; the output is corrupt")
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
