"""Pricing rules, price suggestions and publishing prices over HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from shared.db import tables as t
from tests.integration.central.api.conftest import login
from tests.integration.central.api.test_negocio_support import (
    CUIT_NORTE,
    TODAY,
    add_user,
    exact,
    fields_of,
    invoice,
    line,
    shop_fixture,  # noqa: F401 - provides the shop fixture
)


def rule(shop, **body):
    response = shop.post("/pricing/rules", {"name": "regla", "markup_pct": 30, **body})
    assert response.status_code == 201, response.text
    return exact(response)


def suggestions(shop, **params):
    response = shop.get("/pricing/suggestions", **params)
    assert response.status_code == 200, response.text
    return {item["product"]["sku"]: item for item in exact(response)["items"]}


def test_rules_are_created_listed_changed_and_deleted(shop):
    default = rule(shop, name="General")
    assert default["scope"] == "default" and default["scope_value"] is None
    assert (default["markup_pct"], default["rounding_step"], default["ending"]) == (
        Decimal("30.00"), Decimal("10.00"), Decimal("9.00"))
    by_supplier = rule(shop, scope="supplier", scope_value="30-50000000-3",
                       markup_pct="50.5", rounding_step="100.00", ending="99.00")
    assert by_supplier["supplier"]["cuit"] == CUIT_NORTE
    assert by_supplier["scope_value"] == str(shop.suppliers["norte"])
    category = rule(shop, scope="category", scope_value="  Almacén  ", priority=5, active=False)
    assert category["scope_value"] == "Almacén" and category["active"] is False

    listed = exact(shop.get("/pricing/rules"))
    assert listed["total"] == 3
    assert [r["id"] for r in exact(shop.get("/pricing/rules", scope="supplier"))["items"]] == [
        by_supplier["id"]]
    assert exact(shop.get("/pricing/rules", active="false"))["total"] == 1

    changed = shop.patch(f"/pricing/rules/{default['id']}", {"markup_pct": "35", "active": False})
    assert changed.status_code == 200, changed.text
    assert exact(changed)["markup_pct"] == Decimal("35.00") and exact(changed)["active"] is False
    assert exact(changed)["name"] == "General"
    to_category = shop.patch(f"/pricing/rules/{default['id']}",
                             {"scope": "category", "scope_value": "Bebidas"})
    assert exact(to_category)["scope"] == "category"
    assert shop.delete(f"/pricing/rules/{default['id']}").status_code == 204
    assert shop.get(f"/pricing/rules/{default['id']}").status_code == 404
    assert shop.patch(f"/pricing/rules/{default['id']}", {"priority": 1}).status_code == 404


def test_bad_rules_are_a_422_naming_the_field(shop):
    def problem(**body):
        return fields_of(shop.post("/pricing/rules", {"name": "x", "markup_pct": 30, **body}))

    assert problem(rounding_step="10.00", ending="10.00") == ["ending"]
    assert problem(markup_pct=-1) == ["markup_pct"]
    assert problem(scope="supplier", scope_value="30712345672") == ["scope_value"]
    assert problem(scope="category") == ["scope_value"]
    assert problem(scope_value="Almacén") == ["scope_value"]
    assert problem(scope="brand", scope_value="x") == ["scope"]
    created = rule(shop, rounding_step="10.00", ending="9.00")
    patched = shop.patch(f"/pricing/rules/{created['id']}", {"rounding_step": "5.00"})
    assert fields_of(patched) == ["ending"]


def test_suggestions_use_the_most_specific_rule_and_round_to_its_ending(shop):
    rule(shop, name="General", markup_pct=30, priority=100)
    rule(shop, name="Almacén", scope="category", scope_value="almacén", markup_pct=40)
    rule(shop, name="Norte", scope="supplier", scope_value=CUIT_NORTE, markup_pct=50,
         rounding_step="100.00", ending="99.00", priority=-5)
    response = shop.get("/pricing/suggestions")
    assert '"suggested_price": 4919.00' in response.text
    found = suggestions(shop)
    assert set(found) == {"1001", "1002", "2001"}  # 1003 has no cost
    yerba = found["1001"]
    assert yerba["rule"]["name"] == "Almacén" and yerba["cost_source"] == "catalog"
    assert (yerba["cost"], yerba["raw_price"], yerba["suggested_price"]) == (
        Decimal("2900.00"), Decimal("4912.60"), Decimal("4919.00"))
    assert yerba["current_price"] == Decimal("4200.00")
    assert (yerba["change"], yerba["current_markup"]) == (Decimal("0.1712"), Decimal("0.1969"))
    queso = found["2001"]
    assert queso["rule"]["name"] == "Norte" and queso["vat_rate"] == "10.5"
    assert (queso["raw_price"], queso["suggested_price"]) == (Decimal("10773.75"),
                                                              Decimal("10799.00"))
    assert set(suggestions(shop, category="ALMACÉN")) == {"1001", "1002"}
    assert set(suggestions(shop, supplier=CUIT_NORTE)) == {"2001"}
    page = exact(shop.get("/pricing/suggestions", size=2, page=2))
    assert page["total"] == 3 and [i["product"]["sku"] for i in page["items"]] == ["2001"]


def test_suggestions_since_a_day_list_the_costs_that_changed(shop):
    rule(shop, markup_pct=30)
    shop.confirmed_invoice(invoice(lines=[line("1002", 10, "2600.00")]))
    found = suggestions(shop, since=TODAY.isoformat())
    assert list(found) == ["1002"]
    assert (found["1002"]["cost"], found["1002"]["cost_source"]) == (Decimal("2600.00"), "invoice")
    assert found["1002"]["suggested_price"] == Decimal("4099.00")  # 2600 x 1.3 x 1.21 = 4089.80
    assert suggestions(shop, since=(TODAY + timedelta(days=1)).isoformat()) == {}


def test_a_store_compares_with_its_own_price(shop):
    rule(shop)
    with shop.session() as (session, recorder):
        store_id = session.scalar(select(t.Store.id).where(t.Store.code == "S1"))
        recorder.append("price", {"product_id": shop.products["1001"], "store_id": store_id,
                                  "price_cents": 450_000, "effective_from": TODAY})
    assert suggestions(shop, store="S1")["1001"]["current_price"] == Decimal("4500.00")
    assert suggestions(shop, store="S2")["1001"]["current_price"] == Decimal("4200.00")
    assert suggestions(shop)["1001"]["current_price"] == Decimal("4200.00")
    assert shop.get("/pricing/suggestions", store="S9").status_code == 404


def test_applying_suggestions_publishes_chain_wide_prices(shop):
    rule(shop, markup_pct=30)
    response = shop.post("/pricing/suggestions/apply", {"items": [
        {"product": "1001"}, {"product": "2001", "price": "10500.00"}]})
    assert response.status_code == 200, response.text
    report = exact(response)
    assert report["effective_from"] == TODAY.isoformat()
    assert [(a["product"]["sku"], a["price"], a["previous"]) for a in report["applied"]] == [
        ("1001", Decimal("4569.00"), Decimal("4200.00")),
        ("2001", Decimal("10500.00"), Decimal("9800.00"))]
    after = suggestions(shop)
    assert after["1001"]["current_price"] == Decimal("4569.00")
    assert after["1001"]["change"] == Decimal("0.0000")
    again = exact(shop.post("/pricing/suggestions/apply", {"items": [{"product": "1001"}]}))
    assert again["applied"] == [] and len(again["unchanged"]) == 1
    later = (TODAY + timedelta(days=7)).isoformat()
    future = shop.post("/pricing/suggestions/apply", {"effective_from": later,
                                                      "items": [{"product": "1002"}]})
    assert exact(future)["applied"][0]["price"] == Decimal("3859.00")
    assert suggestions(shop, day=later)["1002"]["current_price"] == Decimal("3859.00")
    assert suggestions(shop)["1002"]["current_price"] == Decimal("3600.00")


def test_applying_refuses_what_it_cannot_price(shop):
    def problem(body):
        return fields_of(shop.post("/pricing/suggestions/apply", body))

    assert problem({"items": [{"product": "1001"}]}) == ["items.0.product"]  # no rule yet
    rule(shop)
    assert problem({"items": [{"product": "1001"}, {"product": "1003"}]}) == ["items.1.product"]
    assert problem({"items": [{"product": "1001"}, {"product": "1001"}]}) == ["items.1.product"]
    assert problem({"items": [{"product": "nope"}]}) == ["items.0.product"]
    assert problem({"items": [{"product": "1001", "price": "0"}]}) == ["items.0.price"]
    assert problem({"items": []}) == ["items"]
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert problem({"effective_from": yesterday, "items": [{"product": "1001"}]}) == [
        "effective_from"]
    assert suggestions(shop)["1001"]["current_price"] == Decimal("4200.00")  # nothing applied


def test_chain_wide_pricing_needs_an_hq_credential(shop, client, central_db):
    add_user(central_db, "negocio.s1", "negocio", "S1")
    scoped = login(client, "negocio.s1")
    assert shop.post("/pricing/rules", {"name": "x", "markup_pct": 1},
                     headers=scoped).status_code == 403
    assert shop.post("/pricing/suggestions/apply", {"items": [{"product": "1001"}]},
                     headers=scoped).status_code == 403
    assert shop.get("/pricing/rules", headers=scoped).status_code == 200
    assert shop.get("/pricing/suggestions", headers=scoped, store="S2").status_code == 403
    assert shop.get("/pricing/suggestions", headers=scoped).status_code == 200
