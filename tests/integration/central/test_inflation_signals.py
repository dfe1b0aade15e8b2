"""Inflation signals over HTTP on PostgreSQL: a supplier's 30-day cost rise against the
index, the ``inflation_gap_points`` gauge, and the gap on negocio's price suggestions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.integration.central.api.test_negocio_support import (
    CUIT_NORTE,
    CUIT_SUR,
    TODAY,
    exact,
    invoice,
    line,
)
from tests.integration.central.ml_fixtures import *  # noqa: F403 - the app on PostgreSQL


def month_before(day: date) -> str:
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def seed_costs_and_index(shop, as_of: date) -> None:
    """Sur's two products cost 12 % more, Norte's 2 % more; the index rose 3 %."""
    start = as_of - timedelta(days=30)
    assert shop.put(f"/inflation/{month_before(as_of)}", {"value": "100"}).status_code == 200
    current = f"{as_of.year:04d}-{as_of.month:02d}"
    assert shop.put(f"/inflation/{current}", {"value": "103"}).status_code == 200
    before, during = start - timedelta(days=5), as_of - timedelta(days=2)
    shop.confirmed_invoice(invoice(1, cuit=CUIT_SUR, issued_on=before, lines=[
        line("1001", 10, "2500.00"), line("1002", 10, "2000.00")]))
    shop.confirmed_invoice(invoice(1, cuit=CUIT_NORTE, issued_on=before,
                                   lines=[line("2001", 5, "6000.00")]))
    shop.confirmed_invoice(invoice(2, cuit=CUIT_SUR, issued_on=during, lines=[
        line("1001", 10, "2800.00"), line("1002", 10, "2240.00")]))
    shop.confirmed_invoice(invoice(2, cuit=CUIT_NORTE, issued_on=during,
                                   lines=[line("2001", 5, "6120.00")]))


def test_a_supplier_whose_costs_rose_12_percent_against_3_is_flagged_at_9_points(shop):
    as_of = TODAY if TODAY.day >= 5 else TODAY - timedelta(days=5)  # start in the month before
    seed_costs_and_index(shop, as_of)
    response = shop.client.get("/api/ml/signals/inflation", params={"as_of": as_of.isoformat()},
                               headers=shop.deposito)
    assert response.status_code == 200, response.text
    report = exact(response)
    assert report["index_change"] == Decimal("0.0300")
    signals = {(s["scope"], s["key"]): s for s in report["signals"]}
    sur = signals[("supplier", CUIT_SUR)]
    assert (sur["cost_change"], sur["gap_points"], sur["flagged"]) == (
        Decimal("0.1200"), Decimal("9.00"), True)
    assert sur["name"] == "Distribuidora Sur SA" and sur["items"] == 2
    norte = signals[("supplier", CUIT_NORTE)]
    assert (norte["gap_points"], norte["flagged"]) == (Decimal("-1.00"), False)
    assert signals[("category", "almacén")]["gap_points"] == Decimal("9.00")

    # the exposition lists labels by name: category first
    assert shop.metric("inflation_gap_points", category="", supplier=CUIT_SUR) == 9.0
    assert shop.metric("inflation_gap_points", category="", supplier=CUIT_NORTE) == -1.0
    assert shop.metric("inflation_gap_points", category="almacén", supplier="") == 9.0


def test_price_suggestions_carry_the_gap_of_the_products_supplier(shop):
    as_of = TODAY
    if TODAY.day < 5:
        pytest.skip("the window would start two months back; covered by the test above")
    seed_costs_and_index(shop, as_of)
    rule = {"name": "General", "scope": "default", "markup_pct": "40", "rounding_step": "10.00",
            "ending": "0.00"}
    assert shop.post("/pricing/rules", rule).status_code == 201
    response = shop.get("/pricing/suggestions")
    assert response.status_code == 200, response.text
    items = {item["product"]["sku"]: item for item in exact(response)["items"]}
    yerba = items["1001"]["inflation_gap"]
    assert (yerba["scope"], yerba["key"], yerba["points"], yerba["flagged"]) == (
        "supplier", CUIT_SUR, Decimal("9.00"), True)
    assert items["2001"]["inflation_gap"]["points"] == Decimal("-1.00")
    assert items["2001"]["inflation_gap"]["flagged"] is False


def test_no_index_for_the_window_means_no_signals(shop):
    response = shop.client.get("/api/ml/signals/inflation", headers=shop.negocio)
    assert response.status_code == 200, response.text
    assert response.json()["signals"] == [] and response.json()["index_change"] is None
    assert shop.client.get("/api/ml/signals/inflation",
                           headers=shop.cajero).status_code == 403
