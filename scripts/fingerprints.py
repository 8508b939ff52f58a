"""Fingerprints of every bundled scenario's timeseries, to show that a refactor changed no result.

    python scripts/fingerprints.py record tests/data/fingerprints.json   # write
    python scripts/fingerprints.py check  tests/data/fingerprints.json   # compare, exit 1 on change

Each bundled scenario runs once at a small size (``run.consumers`` 2,000, 30 days, seed 7) and
the SHA-256 of its timeseries (every KPI column, rounded to 12 significant digits) is kept.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZE = {"run.consumers": 2000, "run.days": 30}


def scenario_files() -> list[Path]:
    """Every bundled scenario: the strategy scenarios and the reference modes."""
    return sorted((ROOT / "scenarios").glob("*.toml")) + sorted((ROOT / "scenarios" / "reference").glob("*.toml"))


def fingerprint(path: Path) -> dict[str, str]:
    """Per KPI column, the hash of its daily values."""
    from sim import load_scenario, run

    overrides = dict(SIZE)
    if "reference" in path.parts:
        overrides = {"run.days": 30}
    scenario = load_scenario(path, overrides=overrides)
    ts = run(scenario, seed=7).timeseries
    out = {}
    for col in sorted(ts.columns):
        values = np.asarray(ts[col], dtype=float)
        text = ",".join(f"{v:.12g}" for v in values)
        out[col] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def main(argv: list[str]) -> int:
    mode, target = argv[1], Path(argv[2])
    names = argv[3:]
    files = [p for p in scenario_files() if not names or p.stem in names]
    current = {p.relative_to(ROOT).as_posix(): fingerprint(p) for p in files}
    if mode == "record":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(current)} scenarios")
        return 0
    expected = json.loads(target.read_text())
    changed = []
    for name, cols in current.items():
        old = expected.get(name)
        if old is None:
            changed.append(f"{name}: not recorded")
            continue
        diff = sorted(k for k in set(old) | set(cols) if old.get(k) != cols.get(k))
        if diff:
            changed.append(f"{name}: {', '.join(diff)}")
    print("\n".join(changed) if changed else f"identical: {len(current)} scenarios")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
