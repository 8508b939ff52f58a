"""Roster files: reading, validation naming row and column, and the [influencers] keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.loading import load_scenario, scenario_dict, to_toml
from sim.config.roster import RosterError, read_roster, scenario_roster
from sim.config.scenario import ScenarioError

SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "rosters" / "sample_roster.csv"
HEADER = "creator_id,platform,tier,followers,fee,engagement_rate,circle,real_fan_share,content_quality\n"


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    p = tmp_path / "r.csv"
    p.write_text(header + body, encoding="utf-8")
    return p


def test_sample_roster_reads_sixty_creators():
    roster = read_roster(SAMPLE)
    assert len(roster.creators) == 60
    assert set(roster.tiers) == {"head", "waist", "tail"}
    assert len(set(roster.ids())) == 60
    mixes = [c.circle_mix for c in roster.creators if len(c.circle_mix) > 1]
    assert mixes and all(sum(s for _, s in m) <= 1 for m in mixes)


@pytest.mark.parametrize("row, column, words", [
    ("a,feed,head,1000,abc,0.02,,,", "fee", "not a number"),
    ("a,feed,head,0,10,0.02,,,", "followers", "at least 1"),
    ("a,feed,head,10.5,10,0.02,,,", "followers", "whole number"),
    ("a,feed,head,1000,10,1.5,,,", "engagement_rate", "(0, 1)"),
    ("a,feed,head,1000,10,0.02,3:0.7;4:0.6,,", "circle", "more than 1"),
    ("a,feed,head,1000,10,0.02,3-0.7,,", "circle", "not a number"),
    ("a,feed,head,1000,10,0.02,,0,", "real_fan_share", "(0, 1]"),
    ("a,feed,head,1000,10,0.02,,,2", "content_quality", "[0, 1]"),
    (",feed,head,1000,10,0.02,,,", "creator_id", "empty"),
])
def test_bad_rows_name_row_and_column(tmp_path, row, column, words):
    good = "ok,feed,head,1000,10,0.02,,,\n"
    with pytest.raises(RosterError) as err:
        read_roster(_write(tmp_path, good + row + "\n"))
    assert f"row 2, column {column}" in str(err.value) and words in str(err.value)


def test_bad_header_and_duplicates(tmp_path):
    with pytest.raises(RosterError, match="missing column 'fee'"):
        read_roster(_write(tmp_path, "a,feed,head,1,0.1\n",
                           "creator_id,platform,tier,followers,engagement_rate\n"))
    with pytest.raises(RosterError, match="unknown column 'price'"):
        read_roster(_write(tmp_path, "", HEADER.strip() + ",price\n"))
    with pytest.raises(RosterError, match="row 2, column creator_id: 'a' repeats row 1"):
        read_roster(_write(tmp_path, "a,feed,head,1,1,0.1,,,\na,feed,head,1,1,0.1,,,\n"))
    with pytest.raises(RosterError, match="no creators"):
        read_roster(_write(tmp_path, ""))


def test_roster_checked_against_the_scenario_when_it_loads(tmp_path):
    cases = [("a,feed,mega,1000,10,0.02,,,", "row 1, column tier: 'mega'"),
             ("a,tv,head,1000,10,0.02,,,", "row 1, column platform: unknown platform 'tv'"),
             ("a,feed,head,1000,10,0.02,99,,", "column circle: circle 99 out of range")]
    for row, words in cases:
        path = _write(tmp_path, row + "\n")
        with pytest.raises(ScenarioError, match=words):
            load_scenario("baseline", {"influencers.roster": str(path)})
    with pytest.raises(ScenarioError, match="influencers.book: 'zz'"):
        load_scenario("baseline", {"influencers.roster": str(SAMPLE), "influencers.book": ["zz"]})
    scn = load_scenario("baseline", {"influencers.roster": str(SAMPLE)})
    assert scenario_roster(scn).ids()[0] == "c01"


def test_live_hosts_are_checked_when_the_scenario_loads():
    with pytest.raises(ScenarioError, match=r"live\[0\].host: 'mega'"):
        load_scenario("baseline", {"retailers.brand.live": [{"host": "mega"}]})
    ok = load_scenario("baseline", {"influencers.roster": str(SAMPLE),
                                    "retailers.brand.live": [{"host": "c07"}, {"host": "head"}]})
    assert [s.host for s in ok.retailers[0].live] == ["c07", "head"]


def test_roster_keys_round_trip_and_resolve_relative_to_the_file(tmp_path):
    (tmp_path / "c.csv").write_text(SAMPLE.read_text())
    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline"\n[influencers]\nroster = "c.csv"\nbook = ["c01"]\n')
    scn = load_scenario(f)
    assert Path(scn.roster.path) == (tmp_path / "c.csv").resolve()
    assert scn.roster.book == ["c01"] and "head" in scn.influencers
    assert scenario_dict(scn)["influencers"]["roster"] == scn.roster.path
    back = tmp_path / "back.toml"
    back.write_text(to_toml(scn))
    assert load_scenario(back) == scn
    with pytest.raises(ScenarioError, match="need a roster"):
        load_scenario("baseline", {"influencers.book": ["c01"]})
