"""A roster's booking log (post_days) and the export of a run's creators as a roster."""

from __future__ import annotations

import math

import numpy as np
import pytest
from grounded_scenario import GROUNDED

from sim.config.roster import RosterError, read_roster
from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel
from sim.engine.roster_export import roster_csv, roster_rows

SMALL = ["run.consumers=1500", "run.days=20"]


def _finished(scn, seed):
    model = SocialCommerceModel(scn, seed)
    while model.running:
        model.step()
    return model


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """A generated campaign, its exported booking log, and a campaign run on that log."""
    d = tmp_path_factory.mktemp("log")
    truth = _finished(load_scenario(GROUNDED, SMALL), 11)
    rows = roster_rows(truth.ctx)
    (d / "log.csv").write_text(roster_csv(rows))
    scn = load_scenario(GROUNDED, [*SMALL, f"influencers.roster='{d / 'log.csv'}'"])
    return truth, rows, _finished(scn, 5), d / "log.csv"


def test_export_keeps_each_creators_measured_values(logged):
    truth, rows, _, _ = logged
    creators = [c for t in ("head", "waist", "tail") for c in truth.ctx.creators_by_tier[t]]
    assert [r["tier"] for r in rows] == [c.tier for c in creators]  # funded tiers only
    for r, c in zip(rows, creators):
        assert math.log(r["engagement_rate"] / (1 - r["engagement_rate"])) == pytest.approx(c.b0)
        assert r["content_quality"] == pytest.approx(c.credibility)
        assert r["fee"] * truth.ctx.money_scale == pytest.approx(c.fee)
        posts = r["post_days"].split(";") if r["post_days"] else []
        assert len(posts) == c.posts_published


def test_a_booking_log_books_exactly_its_posts(logged):
    truth, rows, run, path = logged
    roster = read_roster(path)
    assert roster.scheduled
    by_id = {c.creator_id: c for cs in run.ctx.creators_by_tier.values() for c in cs}
    for r in rows:  # same creators, same post days, followers seated at the measured size
        c = by_id[r["creator_id"]]
        days = tuple(int(d) for d in r["post_days"].split(";")) if r["post_days"] else ()
        assert c.post_days == days and c.posts_published == len(days)
    again = roster_rows(run.ctx)
    assert [r["post_days"] for r in again] == [r["post_days"] for r in rows]
    for a, b in zip(again, rows):  # the log's run exports the log it ran on
        assert a["engagement_rate"] == pytest.approx(b["engagement_rate"])
        if b["tier"] != "tail":  # a tail creator has ~4 simulated followers here: rounding
            # seating drops followers drawn twice (home circle and everyone): a few % fewer
            assert 0.9 * b["followers"] <= a["followers"] <= b["followers"]
    spent = run.ctx.ledger.spend_by_channel()  # every logged fee is booked on its tier
    for tier in ("head", "waist", "tail"):
        total = sum(r["fee"] * len(r["post_days"].split(";")) for r in rows
                    if r["tier"] == tier and r["post_days"])
        assert total > 0 and spent[tier] == pytest.approx(total * run.ctx.money_scale)


def test_post_days_are_checked(tmp_path):
    head = "creator_id,platform,tier,followers,fee,engagement_rate,post_days\n"
    ok = tmp_path / "ok.csv"
    ok.write_text(head + "a,feed,head,1000,10,0.02,17;3;3\nb,feed,head,1000,10,0.02,\n")
    roster = read_roster(ok)
    assert roster.creators[0].post_days == (3, 3, 17) and roster.creators[1].post_days == ()
    for cell, fragment in [("x", "row 1, column post_days: 'x' is not a number"),
                           ("0", "row 1, column post_days: day '0' must be at least 1"),
                           ("2.5", "'2.5' is not a whole number")]:
        bad = tmp_path / "bad.csv"
        bad.write_text(head + f"a,feed,head,1000,10,0.02,{cell}\n")
        with pytest.raises(RosterError, match=fragment):
            read_roster(bad)
    plain = tmp_path / "plain.csv"
    plain.write_text("creator_id,platform,tier,followers,fee,engagement_rate\n"
                     "a,feed,head,1000,10,0.02\n")
    assert not read_roster(plain).scheduled
    assert np.isfinite(roster.fees()).all()
