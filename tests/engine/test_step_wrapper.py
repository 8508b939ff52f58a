"""The model's step wrapper (SocialCommerceModel._wrapped_step, the shortcut for a day on
which only Mesa's default schedule is due) leaves the model exactly as Mesa's own wrapper does:
time, step count, the schedule's state, event ids, the order in which scheduled events run, and
the run's results."""

from __future__ import annotations

from pathlib import Path

import mesa
import pytest

from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config():
    return load_scenario(ROOT / "scenarios" / "baseline.toml",
                         {"run.consumers": 600, "run.days": 9})


def build(config, mesa_wrapper: bool, monkeypatch) -> SocialCommerceModel:
    with monkeypatch.context() as m:
        if mesa_wrapper:  # the reference: Mesa's own wrapper
            m.setattr(SocialCommerceModel, "_wrapped_step", mesa.Model._wrapped_step)
        model = SocialCommerceModel(config, seed=3)
    # Mesa's __init__ bound model.step to the wrapper of the class at that time
    assert (model.step.__func__ is mesa.Model._wrapped_step) == mesa_wrapper
    return model


def state(model: SocialCommerceModel) -> tuple:
    gen = model._default_schedule
    heap = sorted(model._event_list._events)
    return (model.steps, model.time, model.running, gen.execution_count,
            gen.next_scheduled_time, gen.is_active, len(model._event_list),
            [(e.time, e.priority, e.CANCELED) for e in heap])


def ids(model: SocialCommerceModel) -> list[int]:
    return sorted(e.unique_id for e in model._event_list._events)


def test_plain_days_match_mesa(config, monkeypatch):
    ours, ref = build(config, False, monkeypatch), build(config, True, monkeypatch)
    step_ids = {id(m): [] for m in (ours, ref)}
    while ref.running:
        for model in (ours, ref):
            model.step()
            step_ids[id(model)].append(model._default_schedule._current_event.unique_id)
        assert state(ours) == state(ref)
    # a fresh event id each day, as Mesa's new event gets (the two models alternate, so
    # the process-wide counter moves two a day)
    assert all(b - a == 2 for a, b in zip(step_ids[id(ours)], step_ids[id(ours)][1:]))
    assert [b - a for a, b in zip(step_ids[id(ref)], step_ids[id(ref)][1:])] == \
        [b - a for a, b in zip(step_ids[id(ours)], step_ids[id(ours)][1:])]
    assert ours.kpis == ref.kpis
    assert ours.datacollector.get_model_vars_dataframe().equals(
        ref.datacollector.get_model_vars_dataframe())


def run_with_events(config, mesa_wrapper: bool, monkeypatch) -> tuple[list, list]:
    """Events scheduled between steps and by a step itself; the log of what ran when."""
    model = build(config, mesa_wrapper, monkeypatch)
    log: list = []
    keep: list = []  # the callbacks stay alive (Mesa keeps weak references)

    def event(label):
        def fire():
            log.append((label, model.time, model.steps))
        keep.append(fire)
        return fire

    model.schedule_event(event("between"), at=2.5)
    model.schedule_event(event("high"), at=4.0, priority=mesa.time.Priority.HIGH)
    model.schedule_event(event("low"), at=4.0, priority=mesa.time.Priority.LOW)
    user_step = model._user_step

    def step_and_schedule():
        user_step()
        log.append(("step", model.time, model.steps))
        if model.steps == 5:  # due now (runs after this step), and half a day later
            model.schedule_event(event("now"), at=model.time)
            model.schedule_event(event("later"), at=model.time + 0.5)
        if model.steps == 7:
            model._default_schedule.pause()

    model._user_step = step_and_schedule
    states = []
    for _ in range(9):
        model.step()
        states.append(state(model))
    return log, states


def test_scheduled_events_run_as_with_mesa(config, monkeypatch):
    ours_log, ours_states = run_with_events(config, False, monkeypatch)
    ref_log, ref_states = run_with_events(config, True, monkeypatch)
    assert ours_log == ref_log
    assert ours_states == ref_states
    assert ("now", 5.0, 5) in ours_log and ("later", 5.5, 5) in ours_log
    labels = [e[0] for e in ours_log]
    assert labels.index("high") < labels.index("step", 4) < labels.index("low")


def test_mesa_run_for_is_untouched(config, monkeypatch):
    """Mesa's other ways of advancing time do not go through the wrapper."""
    ours, ref = build(config, False, monkeypatch), build(config, True, monkeypatch)
    for model in (ours, ref):
        model.step()
        model.run_for(3)
        model.step()
    assert state(ours) == state(ref) and ours.steps == 5
