"""The inflation index (typed and imported) and the cost gap against it, over HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.integration.central.api.conftest import login
from tests.integration.central.api.test_negocio_support import (
    API,
    CUIT_NORTE,
    add_user,
    exact,
    fields_of,
    invoice,
    line,
    shop_fixture,  # noqa: F401 - provides the shop fixture
)


def put(shop, month, value, **extra):
    return shop.put(f"/inflation/{month}", {"value": value, **extra})


def test_months_are_entered_listed_corrected_and_deleted(shop):
    response = put(shop, "2025-01", "100.0000", source="INDEC")
    assert response.status_code == 200, response.text
    assert exact(response) == {"month": "2025-01", "value": Decimal("100.0000"),
                               "source": "INDEC", "created": True}
    assert put(shop, "2025-2", 103).json()["created"] is True
    assert put(shop, "2025-03", "106.09").json()["created"] is True
    assert exact(put(shop, "2025-02", "103.0000"))["created"] is False
    listed = exact(shop.get("/inflation"))["items"]
    assert [(i["month"], i["value"], i["change"]) for i in listed] == [
        ("2025-01", Decimal("100.0000"), None),
        ("2025-02", Decimal("103.0000"), Decimal("0.0300")),
        ("2025-03", Decimal("106.0900"), Decimal("0.0300"))]
    assert '"value": 100.0000' in shop.get("/inflation").text
    only = exact(shop.client.get(f"{API}/inflation", params={"from": "2025-02", "to": "2025-02"},
                                 headers=shop.deposito))["items"]
    assert [i["month"] for i in only] == ["2025-02"] and only[0]["change"] == Decimal("0.0300")
    assert shop.delete("/inflation/2025-02").status_code == 204
    assert shop.delete("/inflation/2025-02").status_code == 404
    assert [i["month"] for i in exact(shop.get("/inflation"))["items"]] == ["2025-01", "2025-03"]


def test_bad_months_and_values_are_a_422_naming_the_field(shop):
    assert fields_of(put(shop, "2025-13", 100)) == ["month"]
    assert fields_of(put(shop, "enero", 100)) == ["month"]
    assert fields_of(put(shop, "2025-01", "1.23456")) == ["value"]
    assert fields_of(put(shop, "2025-01", 0)) == ["value"]
    assert fields_of(shop.client.get(f"{API}/inflation", params={"from": "x"},
                                     headers=shop.negocio)) == ["from"]


def upload(shop, content: bytes, headers=None):
    return shop.client.post(f"{API}/inflation/import", headers=headers or shop.negocio,
                            files={"file": ("indice.csv", content, "text/csv")})


def test_a_csv_import_keeps_good_lines_and_reports_bad_ones_by_line(shop):
    put(shop, "2025-01", "99.0000")
    csv_text = (
        "\ufeffMonth,Value,Source\n"
        '2025-01,"100,0000",INDEC\n'
        "2025-02,103.5\n"
        "2025-13,1,x\n"
        "2025-03,1.500,x\n"
        "2025-02,104,x\n"
        "2025-04\n"
        "\n"
        "05/2025,110.25,INDEC\n"
    )
    response = upload(shop, csv_text.encode())
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["imported"], report["created"], report["updated"]) == (3, 2, 1)
    assert [error["line"] for error in report["errors"]] == [4, 5, 6, 7]
    assert "YYYY-MM" in report["errors"][0]["reason"]
    assert "reads as 1500" in report["errors"][1]["reason"]
    dot = shop.client.post(f"{API}/inflation/import", params={"decimal": "dot"},
                           headers=shop.negocio,
                           files={"file": ("i.csv", b"month,value\n2025-06,1.500\n")})
    assert dot.json()["errors"] == [] and dot.json()["imported"] == 1
    assert "already on line 3" in report["errors"][2]["reason"]
    listed = exact(shop.get("/inflation"))["items"]
    assert [(i["month"], i["value"], i["source"]) for i in listed] == [
        ("2025-01", Decimal("100.0000"), "INDEC"), ("2025-02", Decimal("103.5000"), None),
        ("2025-05", Decimal("110.2500"), "INDEC"), ("2025-06", Decimal("1.5000"), None)]


def test_an_unreadable_csv_is_refused_whole(shop):
    assert fields_of(upload(shop, b"fecha,valor\n2025-01,1\n")) == ["file"]
    assert fields_of(upload(shop, "month,value\n2025-01,1\n".encode("utf-16"))) == ["file"]
    assert fields_of(upload(shop, b"")) == ["file"]


def confirm_costs(shop, day: date, costs: dict[str, str], number: int, cuit: str):
    shop.confirmed_invoice(invoice(number, cuit=cuit, issued_on=day, lines=[
        line(sku, 10, price) for sku, price in costs.items()]))


def test_the_gap_compares_supplier_and_category_cost_increases_with_the_index(shop):
    put(shop, "2025-01", "100")
    put(shop, "2025-03", "106")
    confirm_costs(shop, date(2025, 1, 15), {"1001": "2500.00", "1002": "2000.00"}, 1, "30712345671")
    confirm_costs(shop, date(2025, 1, 20), {"2001": "6000.00"}, 1, CUIT_NORTE)
    confirm_costs(shop, date(2025, 3, 10), {"1001": "2750.00", "1002": "2200.00"}, 2, "30712345671")
    confirm_costs(shop, date(2025, 3, 11), {"2001": "6300.00"}, 2, CUIT_NORTE)
    confirm_costs(shop, date(2025, 4, 1), {"1001": "9999.00"}, 3, "30712345671")  # after

    def gap(**params):
        response = shop.client.get(f"{API}/inflation/gap", headers=shop.deposito,
                                   params={"from": "2025-01", "to": "2025-03", **params})
        assert response.status_code == 200, response.text
        return exact(response)

    by_supplier = gap()
    assert by_supplier["index_change"] == Decimal("0.0600")
    scopes = {s["scope"]: (s["items"], s["cost_change"], s["gap"]) for s in by_supplier["scopes"]}
    assert scopes == {
        "all": (3, Decimal("0.0831"), Decimal("0.0231")),
        "supplier:30712345671": (2, Decimal("0.1000"), Decimal("0.0400")),
        "supplier:30500000003": (1, Decimal("0.0500"), Decimal("-0.0100")),
    }
    names = {s["scope"]: s["name"] for s in by_supplier["scopes"]}
    assert names["supplier:30712345671"] == "Distribuidora Sur SA" and names["all"] is None
    by_category = {s["scope"]: s["gap"] for s in gap(by="category")["scopes"]}
    assert by_category == {"all": Decimal("0.0231"), "category:almacén": Decimal("0.0400"),
                           "category:fiambrería": Decimal("-0.0100")}
    assert shop.metric("minimarket_inflation_gap_ratio", scope="supplier:30712345671") == 0.04
    assert shop.metric("minimarket_inflation_gap_ratio", scope="category:fiambrería") == -0.01


def test_the_gap_needs_the_index_for_both_months_and_a_forward_period(shop):
    put(shop, "2025-01", "100")

    def gap(**params):
        return shop.client.get(f"{API}/inflation/gap", params=params, headers=shop.negocio)

    missing = gap(**{"from": "2025-01", "to": "2025-02"})
    assert missing.status_code == 422 and "2025-02" in missing.json()["detail"]
    assert fields_of(gap(**{"from": "2025-03", "to": "2025-01"})) == ["from"]
    assert gap(**{"from": "2025-01"}).status_code == 422
    assert gap(**{"from": "2025-01", "to": "2025-02", "by": "brand"}).status_code == 422


def test_the_index_is_chain_wide_data(shop, client, central_db):
    assert put(shop, "2025-01", 1).status_code == 200
    assert shop.put("/inflation/2025-01", {"value": 1}, headers=shop.deposito).status_code == 403
    assert upload(shop, b"month,value\n", headers=shop.deposito).status_code == 403
    add_user(central_db, "negocio.s1", "negocio", "S1")
    scoped = login(client, "negocio.s1")
    assert shop.put("/inflation/2025-01", {"value": 1}, headers=scoped).status_code == 403
    assert shop.get("/inflation", headers=scoped).status_code == 200
