"""``socsim validate``: check a scenario file (and its --set values) without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import SetOption, load_or_fail, say, warn


def validate(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file or bundled name")],
    set_: SetOption = None,
) -> None:
    """Check a scenario file without running it (exit 0 if valid, 2 with a message if not)."""
    from sim.config.preflight import check_job, estimate

    scn = load_or_fail(scenario, set_)
    tiers = ", ".join(f"{k}×{v.count}" for k, v in scn.influencers.items()) or "none"
    say(f"ok {scenario}: mode {scn.run.mode}, {scn.run.consumers:,} consumers, "
        f"{scn.run.days} days, graph {scn.graph.kind}, platforms {', '.join(scn.platforms)}, "
        f"creators {tiers}, retailers {len(scn.retailers)}")
    est = estimate(scn)
    say(f"estimate per run: {est.describe()}", style="dim")
    problem, _ = check_job([scn], runs=scn.run.replications)
    if problem:
        warn(f"{problem}: `socsim run` will refuse it without --allow-large")
