"""--uncertainty: parameter draws from a table or from ranges, the same for every trial."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis.uncertainty import check_keys, draw_overrides, read_uncertainty
from sim.config.scenario import ScenarioError


def test_draws_from_ranges_are_reproducible_and_inside(tmp_path):
    f = tmp_path / "u.toml"
    f.write_text('["behaviour.follower_trust"]\nlo = 0.3\nhi = 0.7\n')
    src = read_uncertainty(f)
    a, b = draw_overrides(src, 5, seed=1), draw_overrides(src, 5, seed=1)
    assert a == b and len({d["behaviour.follower_trust"] for d in a}) == 5
    assert all(0.3 <= d["behaviour.follower_trust"] <= 0.7 for d in a)
    assert draw_overrides(src, 5, seed=2) != a


def test_draws_from_a_table_follow_the_weights(tmp_path, small_baseline):
    f = tmp_path / "post.csv"
    pd.DataFrame({"behaviour.follower_trust": [0.2, 0.8], "weight": [0.0, 1.0]}).to_csv(f)
    f.write_text(pd.read_csv(f, index_col=0).to_csv(index=False))
    draws = draw_overrides(read_uncertainty(f), 20, seed=0)
    assert {d["behaviour.follower_trust"] for d in draws} == {0.8}
    check_keys(small_baseline, draws)


@pytest.mark.parametrize("text, suffix, message", [
    ('["x"]\nlo = 2\nhi = 1\n', ".toml", "needs numbers lo < hi"),
    ("a,b\n", ".csv", "no draws"),
    ("", ".json", "expected .csv, .parquet or .toml"),
])
def test_bad_uncertainty_files_name_the_problem(tmp_path, text, suffix, message):
    f = tmp_path / f"u{suffix}"
    f.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        read_uncertainty(f)
