"""The sales panel: rows and CSV in, dense arrays out; bad rows reported, never fatal."""

from datetime import date

import numpy as np
import pytest

from shared.forecast.errors import NotEnoughHistory, SalesFileError
from shared.forecast.series import panel_from_rows, read_sales_csv, write_sales_csv
from shared.forecast.synthetic import generate_sales


def test_rows_of_one_day_add_up_and_a_missing_day_is_zero():
    panel = panel_from_rows([
        (date(2026, 3, 1), "S1", "A", 2.0), (date(2026, 3, 1), "S1", "A", 1.5),
        (date(2026, 3, 3), "S1", "A", 4.0), (date(2026, 3, 2), "S2", "B", 1.0),
    ])
    assert panel.keys == (("S1", "A"), ("S2", "B"))
    assert panel.start == date(2026, 3, 1) and panel.end == date(2026, 3, 3)
    np.testing.assert_array_equal(panel.units, [[3.5, 0, 4], [0, 1, 0]])
    assert panel.units.dtype == np.float64
    assert not panel.stockout.any() and panel.prices is None


def test_a_zero_sales_day_at_a_level_of_zero_or_less_is_a_stockout():
    day = date(2026, 3, 1)
    rows = [(day, "S1", "A", 0.0), (date(2026, 3, 4), "S1", "A", 1.0)]
    levels = [(day, "S1", "A", 5.0), (date(2026, 3, 2), "S1", "A", 0.0),
              (date(2026, 3, 3), "S1", "A", -2.0), (date(2026, 3, 4), "S1", "A", 0.0)]
    panel = panel_from_rows(rows, levels=levels)
    # a sale on day 4 with level 0 afterwards is not a stock-out: there was demand and stock
    np.testing.assert_array_equal(panel.stockout, [[False, True, True, False]])


def test_prices_are_carried_forward_from_the_last_known_one():
    rows = [(date(2026, 3, d), "S1", "A", 1.0) for d in range(1, 6)]
    prices = [(date(2026, 3, 2), "S1", "A", 100.0), (date(2026, 3, 4), "S1", "A", 120.0)]
    panel = panel_from_rows(rows, prices=prices)
    np.testing.assert_array_equal(panel.prices, [[np.nan, 100, 100, 120, 120]])


def test_a_csv_with_broken_rows_reports_each_with_its_line_and_uses_the_rest(tmp_path):
    path = tmp_path / "ventas.csv"
    path.write_text(
        "date,store,sku,units,extra\n"
        "2026-03-01,S1,A,2,x\n"
        "2026-03-32,S1,A,1,x\n"      # line 3: bad date
        "2026-03-02,S1,A,dos,x\n"    # line 4: not a number
        "2026-03-02,S1,A,-1,x\n"     # line 5: negative
        "2026-03-02,,A,1,x\n"        # line 6: missing store
        "2026-03-02,S1,A\n"          # line 7: missing units (short row)
        "\n"
        "2026-03-03,S1,A,\"0,5\",x\n"  # decimal comma: half a kilo
        "2026-03-03,S1,B,nan,x\n",   # line 10: not finite
        encoding="utf-8")
    panel, bad = read_sales_csv(path)
    assert [line for line, _ in bad] == [3, 4, 5, 6, 7, 10]
    reasons = dict(bad)
    assert "date" in reasons[3] and "number" in reasons[4] and "negative" in reasons[5]
    assert "store" in reasons[6] and "units" in reasons[7] and "finite" in reasons[10]
    assert panel.keys == (("S1", "A"),)
    np.testing.assert_array_equal(panel.units, [[2, 0, 0.5]])


def test_a_missing_file_or_header_is_an_error_and_no_good_row_is_not_enough(tmp_path):
    with pytest.raises(SalesFileError, match="cannot read"):
        read_sales_csv(tmp_path / "nope.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("day,store,sku,qty\n2026-03-01,S1,A,1\n")
    with pytest.raises(SalesFileError, match="date, units"):
        read_sales_csv(wrong)
    empty = tmp_path / "empty.csv"
    empty.write_text("date,store,sku,units\n2026-03-01,S1,A,x\n")
    with pytest.raises(NotEnoughHistory, match="1 bad rows"):
        read_sales_csv(empty)


def test_writing_and_reading_a_panel_keeps_units_stockouts_and_prices(tmp_path):
    panel = generate_sales(12, 90, seed=4).panel
    path = tmp_path / "sales.csv"
    write_sales_csv(panel, path)
    again, bad = read_sales_csv(path)
    assert bad == []
    assert again.keys == panel.keys and again.start == panel.start
    np.testing.assert_array_equal(again.units, panel.units)
    np.testing.assert_array_equal(again.stockout, panel.stockout)
    # prices travel on the rows written (days with sales or a stock-out)
    written = (panel.units > 0) | panel.stockout
    np.testing.assert_allclose(again.prices[written], panel.prices[written])
