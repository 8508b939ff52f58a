"""A scenario revised mid-run: the model follows new parameter values from the next day on.

:meth:`sim.engine.model.SocialCommerceModel.revise` is how the workshop page's levers act
(:mod:`sim.viz.workshop`), and the one entry point for any other mid-run change of parameters;
this module holds what it checks and re-plans. Revising a run at day ``d`` gives the run a
scenario would give that has the new values from day ``d + 1`` (same seed, same world): every
rule of the daily step reads the live ``model.config`` each day, and what was derived from
the old values when the world was built is derived again here:

================  ===============================================================
section           what the revision does
================  ===============================================================
``behaviour``     nothing to rebuild: responses, sharing, purchases, churn,
                  community and crisis rules read ``model.config`` every day
``graph``         ties re-drawn from the world's own graph stream (the same draws
                  as at build time, :func:`sim.world.builder.draw_ties`, so trust
                  alone keeps every tie) and social proof recomputed on them
``retailers``     budget and allocation re-planned (:meth:`Retailer.replan`:
                  what is already spent stays spent)
================  ===============================================================

Other sections (run, population, platforms, influencers, shocks, reference) shape the world
itself or have their own mid-run entry point (``apply_reach_shock``); revising them raises
:class:`~sim.config.scenario.ScenarioError` naming the field.
"""

from __future__ import annotations

from sim.config.scenario import RetailerSection, Scenario, ScenarioError

REVISABLE = ("behaviour", "graph", "retailers")
"""Scenario sections a run may revise mid-way."""
RETAILER_REVISABLE = ("budget", "allocation")
"""Retailer fields a run may revise mid-way (the plan; not the product or the calendar)."""


def retailer_sections(config: Scenario) -> list[RetailerSection]:
    """The scenario's retailers in model order (a list, or a table keyed by name)."""
    retailers = config.retailers
    return list(retailers.values()) if isinstance(retailers, dict) else list(retailers)


def check_revision(old: Scenario, new: Scenario) -> None:
    """Raise :class:`ScenarioError` naming the first field ``new`` changes that cannot change
    mid-run (see the module docstring)."""
    for name in type(new).model_fields:
        if name not in REVISABLE and getattr(new, name) != getattr(old, name):
            raise ScenarioError(f"{name}: cannot be revised mid-run (only {', '.join(REVISABLE)})")
    before, after = retailer_sections(old), retailer_sections(new)
    if len(before) != len(after):
        raise ScenarioError(f"retailers: {len(after)} retailers where the run has {len(before)}")
    for k, (a, b) in enumerate(zip(before, after)):
        for field in type(b).model_fields:
            if field not in RETAILER_REVISABLE and getattr(a, field) != getattr(b, field):
                raise ScenarioError(f"retailers.{k}.{field}: cannot be revised mid-run "
                                    f"(only {', '.join(RETAILER_REVISABLE)})")


def replan_retailers(retailers: list, config: Scenario, money_scale: float) -> None:
    """Re-plan every retailer whose section ``config`` revises (budget, allocation)."""
    for retailer, cfg in zip(retailers, retailer_sections(config)):
        if cfg != retailer.cfg:
            retailer.replan(cfg, money_scale)
