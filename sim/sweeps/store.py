"""On-disk layout of a sweep and DuckDB queries over it.

::

    out/manifest.json                 what was asked: design, parameters, samples, total runs
    out/runs/chunk-00000.parquet      one row per finished run (run_id, point, replication,
                                      seed, parameter columns, KPI columns)
    out/timeseries/chunk-00000.parquet  (timeseries = true) run_id, step, KPI columns

Each chunk file is written to ``*.tmp`` and renamed, so a file either is complete or does not
exist. The time-series file of a chunk is renamed *before* its runs file: a run counts as done
exactly when its row is in ``runs/``. Workers never touch these files; only the process that
drives the sweep writes them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
RUNS_DIR = "runs"
TS_DIR = "timeseries"
_CHUNK_RE = re.compile(r"^chunk-(\d+)\.parquet$")

__all__ = [
    "MANIFEST",
    "chunk_ids",
    "clean_partial",
    "done_run_ids",
    "drop_duplicate_runs",
    "query",
    "read_manifest",
    "write_chunk",
    "write_manifest",
]


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_manifest(out_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` atomically."""
    _atomic_write_bytes(out_dir / MANIFEST, json.dumps(manifest, indent=1, default=str).encode())


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Read ``manifest.json`` of a sweep output directory."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {out_dir} is not a sweep output directory")
    return json.loads(path.read_text())


def chunk_ids(directory: Path) -> dict[int, Path]:
    """Finished chunk files in ``directory`` by chunk id."""
    if not directory.is_dir():
        return {}
    found = {}
    for p in directory.iterdir():
        m = _CHUNK_RE.match(p.name)
        if m:
            found[int(m.group(1))] = p
    return found


def clean_partial(out_dir: Path) -> list[Path]:
    """Delete leftovers of a killed sweep: ``*.tmp`` files and time-series chunks without runs.

    Returns the deleted paths.
    """
    removed = []
    for sub in (RUNS_DIR, TS_DIR):
        d = out_dir / sub
        if d.is_dir():
            for p in d.glob("*.tmp"):
                p.unlink()
                removed.append(p)
    runs = chunk_ids(out_dir / RUNS_DIR)
    for cid, p in chunk_ids(out_dir / TS_DIR).items():
        if cid not in runs:
            p.unlink()
            removed.append(p)
    return removed


def done_run_ids(out_dir: Path) -> list[int]:
    """All run_ids present in ``runs/*.parquet`` (with repeats, if a bug ever wrote any)."""
    import pyarrow.parquet as pq

    ids: list[int] = []
    for _, p in sorted(chunk_ids(out_dir / RUNS_DIR).items()):
        ids.extend(pq.read_table(p, columns=["run_id"]).column("run_id").to_pylist())
    return ids


def drop_duplicate_runs(out_dir: Path) -> list[str]:
    """Keep each run_id once: a chunk whose rows all appear in earlier chunks is deleted (with
    its time series); a chunk with some repeated rows is rewritten without them (atomically).
    Returns one line per change. Chunks are visited in chunk-id order, so the first writer wins.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    seen: set[int] = set()
    changes = []
    for cid, path in sorted(chunk_ids(out_dir / RUNS_DIR).items()):
        table = pq.read_table(path)
        ids = table.column("run_id").to_pylist()
        dup = [i in seen for i in ids]
        seen.update(ids)
        if not any(dup):
            continue
        ts = out_dir / TS_DIR / path.name
        if all(dup):
            ts.unlink(missing_ok=True)
            path.unlink()
            changes.append(f"removed {RUNS_DIR}/{path.name}: all {len(ids)} runs also in earlier chunks")
            continue
        keep = pa.array([not d for d in dup])
        if ts.exists():  # time series of the kept runs only
            ts_table = pq.read_table(ts)
            kept_ids = pa.array([i for i, d in zip(ids, dup) if not d], type=pa.int64())
            _write_table(ts_table.filter(pc.is_in(ts_table.column("run_id"), kept_ids)), ts)
        _write_table(table.filter(keep), path)
        changes.append(f"rewrote {RUNS_DIR}/{path.name} without {sum(dup)} run(s) also in earlier chunks")
    return changes


def _write_table(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_chunk(
    out_dir: Path,
    chunk_id: int,
    rows: list[dict[str, Any]],
    param_types: Mapping[str, str],
    timeseries: Any = None,
) -> Path:
    """Write one finished chunk (time series first, then runs). Returns the runs file path.

    ``param_types`` maps parameter column -> arrow type name (``float64``, ``int64``, ``bool``,
    ``string``); id columns are int64 and every other column (KPIs) float64.
    """
    import pyarrow as pa

    name = f"chunk-{chunk_id:05d}.parquet"
    if timeseries is not None:
        (out_dir / TS_DIR).mkdir(exist_ok=True)
        ts_table = pa.Table.from_pandas(timeseries, preserve_index=False)
        _write_table(ts_table, out_dir / TS_DIR / name)
    fields = [pa.field(c, pa.int64()) for c in ("run_id", "point", "replication", "seed")]
    fields += [pa.field(p, pa.type_for_alias(t)) for p, t in param_types.items()]
    known = {f.name for f in fields}
    kpis = [k for k in rows[0] if k not in known] if rows else []
    fields += [pa.field(k, pa.float64()) for k in kpis]
    table = pa.Table.from_pylist(rows, schema=pa.schema(fields))
    (out_dir / RUNS_DIR).mkdir(exist_ok=True)
    path = out_dir / RUNS_DIR / name
    _write_table(table, path)
    return path


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def query(out_dir: str | Path, sql: str) -> Any:
    """Run ``sql`` with DuckDB over a sweep's results; returns a pandas DataFrame.

    Views: ``runs`` (one row per finished run) and, if the sweep kept time series,
    ``timeseries`` (run_id, step, KPIs). Quote dotted parameter columns:
    ``SELECT "behaviour.s0", avg(gmv) FROM runs GROUP BY 1``.
    """
    import duckdb

    out = Path(out_dir)
    runs = chunk_ids(out / RUNS_DIR)
    if not runs:
        raise FileNotFoundError(f"no finished runs under {out / RUNS_DIR}")
    # time series only of finished chunks (a killed sweep may leave one without its runs file)
    series = [p for cid, p in sorted(chunk_ids(out / TS_DIR).items()) if cid in runs]
    con = duckdb.connect()  # in-memory: never a database file a worker could lock
    try:
        for view, files in (("runs", [p for _, p in sorted(runs.items())]), ("timeseries", series)):
            if files:
                source = f"read_parquet({_sql_list(files)}, union_by_name = true)"
                con.execute(f"CREATE VIEW {view} AS SELECT * FROM {source}")
        return con.execute(sql).df()
    finally:
        con.close()
