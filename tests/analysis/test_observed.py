"""Observed campaign files: validation names the column and the row; daily columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.observed import ObservedError, kpi_kind, load_observed, simulated_cells

KPIS = ["reach", "orders", "engagement_rate", "daily_orders", "stage_aware", "roi"]


def write(tmp_path, text: str):
    path = tmp_path / "obs.csv"
    path.write_text(text)
    return path


def test_valid_file_with_missing_days_and_cells(tmp_path):
    obs = load_observed(write(tmp_path, "day,reach,orders\n1,10,\n3,30,2\n2,20,1\n"), KPIS, 30)
    assert list(obs.frame.index) == [1, 2, 3]  # sorted by day
    assert obs.cells() == [("reach", 1), ("reach", 2), ("reach", 3), ("orders", 2),
                           ("orders", 3)]
    assert obs.values().tolist() == [10, 20, 30, 1, 2]
    assert obs.until(2).frame.index.max() == 2


@pytest.mark.parametrize("text, fragment", [
    ("date,reach\n1,10\n", "no 'day' column"),
    ("day,reach,likes\n1,10,3\n", "column 'likes', row 1: unknown KPI"),
    ("day,reach\n1,10\n2,lots\n", "column 'reach', row 3 (day 2): 'lots' is not a number"),
    ("day,orders\n1,-4\n", "column 'orders', row 2 (day 1): -4 is negative"),
    ("day,reach\n1,10\n2,8\n", "column 'reach', row 3 (day 2): 8 is below 10 on day 1"),
    ("day,reach\n1.5,10\n", "column 'day', row 2: '1.5' is not a whole day 0..30"),
    ("day,reach\n31,10\n", "column 'day', row 2: '31' is not a whole day 0..30"),
    ("day,reach\n1,10\n1,12\n", "column 'day', row 3: day 1 appears more than once"),
    ("day\n1\n", "no KPI column"),
])
def test_bad_files_name_column_and_row(tmp_path, text, fragment):
    with pytest.raises(ObservedError) as err:
        load_observed(write(tmp_path, text), KPIS, 30)
    assert fragment in str(err.value)


def test_levels_may_decrease_and_roi_may_be_negative(tmp_path):
    obs = load_observed(write(tmp_path, "day,engagement_rate,roi,stage_aware\n1,0.2,-0.5,40\n"
                                        "2,0.1,-0.7,30\n"), KPIS, 30)
    assert obs.frame["roi"].tolist() == [-0.5, -0.7]
    assert kpi_kind("reach") == "cumulative" and kpi_kind("roi") == "level"
    assert kpi_kind("daily_reach") == "daily"


def test_daily_columns_compare_with_the_day_increase(tmp_path):
    ts = pd.DataFrame({"step": np.arange(4), "reach": [0.0, 5, 9, 20],
                       "daily_orders": [0.0, 1, 0, 2]})
    cells = [("reach", 3), ("daily_reach", 2), ("daily_reach", 1), ("daily_orders", 3)]
    assert simulated_cells(ts, cells).tolist() == [20, 4, 5, 2]
    obs = load_observed(write(tmp_path, "day,daily_reach\n1,5\n2,3\n3,1\n"), KPIS, 30)
    assert obs.columns == ["daily_reach"]  # daily counts may go down
