"""Scenario configuration: the schema (:mod:`sim.config.scenario`), reading and merging files
(:mod:`sim.config.loading`), the bundled scenarios (:mod:`sim.config.bundled`) and the KPI and
channel registries (:mod:`sim.config.kpis`, :mod:`sim.config.channels`)."""

# the schema first: sim.config.scenario re-exports the loaders, which import the schema
from sim.config.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario"]
