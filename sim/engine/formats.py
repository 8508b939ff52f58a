"""The commerce formats of a run: roster creators as agents, the format desks, their KPIs.

A *desk* holds one format's state for a run and has ``day(ctx)``, called after the day's
purchases in the order of :data:`sim.config.formats.FORMATS`: live sessions
(:mod:`sim.engine.live`), group buying (:mod:`sim.engine.group_buying`), assists
(:mod:`sim.engine.assist`), gamification (:mod:`sim.engine.gamification`, whose check-ins also
lower today's churn). A scenario without a format has no desk for it, draws nothing for
it and reports none of its KPIs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.config.formats import scenario_formats
from sim.engine.agents import Influencer
from sim.engine.assist import AssistDesk, assist_kpis
from sim.engine.gamification import GamificationDesk, gamification_kpis
from sim.engine.group_buying import GroupDesk, group_kpis
from sim.engine.live import LiveDesk, live_kpis

if TYPE_CHECKING:
    import mesa

    from sim.config.scenario import TierSection
    from sim.engine.state import Context
    from sim.world.builder import CreatorSeat
    from sim.world.platforms import Platform


def roster_influencer(model: "mesa.Model", seat: "CreatorSeat", cfg: "TierSection",
                      channel: int, platforms: dict[str, "Platform"],
                      money_scale: float) -> Influencer:
    """The agent of a roster creator's seat: its platform, engagement rate, fee (scaled to the
    simulated market), content quality (else the tier's credibility) and logged post days."""
    c = seat.roster
    assert c is not None
    credibility = cfg.credibility if c.content_quality is None else c.content_quality
    agent = Influencer(model, seat.tier, channel, platforms[c.platform], seat.home_circle,
                       seat.followers, credibility, c.engagement_rate, c.fee * money_scale,
                       c.creator_id, real_fans=c.real_fan_share)
    agent.post_days = c.post_days  # a booking log's days (sim.engine.bookings)
    return agent


def format_desks(ctx: "Context") -> dict[str, Any]:
    """A desk per format the scenario uses (after the creators exist: live hosts are
    creators)."""
    make = {"live": LiveDesk.build, "group_buying": GroupDesk, "assist": AssistDesk,
            "gamification": GamificationDesk}
    return {f: make[f](ctx) for f in scenario_formats(ctx.config)}


def format_kpis(ctx: "Context", gmv: float) -> dict[str, float]:
    """The KPIs of the formats the scenario uses (``gmv``: all GMV, for ``live_share``)."""
    out: dict[str, float] = {}
    desks = ctx.formats
    if "live" in desks:
        out.update(live_kpis(desks["live"], gmv))
    if "group_buying" in desks:
        out.update(group_kpis(desks["group_buying"]))
    if "assist" in desks:
        out.update(assist_kpis(desks["assist"], ctx.population.n))
    if "gamification" in desks:
        out.update(gamification_kpis(desks["gamification"]))
    return {k: float(v) for k, v in out.items()}


__all__ = ["format_desks", "format_kpis", "roster_influencer"]
