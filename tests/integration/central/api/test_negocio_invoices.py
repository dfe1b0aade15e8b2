"""Supplier invoices and credit notes over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from shared.db import tables as t
from shared.domain.ids import new_id
from shared.domain.invoices import invoice_key
from tests.integration.central.api.test_negocio_support import (
    CUIT_SUR,
    TODAY,
    ean,
    exact,
    fields_of,
    invoice,
    line,
    shop_fixture,  # noqa: F401 - provides the shop fixture
)


def test_an_invoice_is_entered_shown_and_listed_with_exact_amounts(shop):
    body = invoice(lines=[line("1001", 12, "2500.00", supplier_code="A-100"),
                          line(ean(2), "6", "2450.10", vat_rate=21)],
                   totals={"net": "44700.60", "vat": "9387.13", "total": "54087.73"},
                   cae="74123456789012", supplier_name="Ignored: the catalog names it")
    response = shop.post("/invoices", body)
    assert response.status_code == 201, response.text
    assert '"total": 54087.73' in response.text and '"unit_price": 2500.00' in response.text
    created = exact(response)
    assert created["document"] == "Factura A 00003-00001234"
    assert created["type"] == {"code": 1, "letter": "A", "kind": "invoice"}
    assert created["invoice_key"] == "30712345671-001-00003-00001234"
    assert created["supplier"]["name"] == "Distribuidora Sur SA"
    assert created["status"] == "draft" and created["store"] == "S1"
    assert [(ln["product"]["sku"], ln["quantity"], ln["amount"]) for ln in created["lines"]] == [
        ("1001", 12, Decimal("30000.00")), ("1002", 6, Decimal("14700.60"))]
    assert created["warnings"] == [] and created["unmatched_lines"] == []

    shop.created_invoice(invoice(number=77, store="S2", issued_on=TODAY - timedelta(days=40)))
    listed = exact(shop.get("/invoices"))
    assert listed["total"] == 2 and listed["page"] == 1 and listed["size"] == 50
    assert [i["number"] for i in listed["items"]] == [1234, 77]  # newest document first

    def numbers(**params):
        response = shop.get("/invoices", **params)
        assert response.status_code == 200, response.text
        return [i["number"] for i in response.json()["items"]]

    assert numbers(store="S2") == [77]
    assert numbers(supplier="30-71234567-1", status="draft") == [1234, 77]
    assert numbers(status="confirmed") == []
    assert numbers(date_from=(TODAY - timedelta(days=1)).isoformat()) == [1234]
    assert numbers(date_to=(TODAY - timedelta(days=1)).isoformat()) == [77]
    assert numbers(q="Sur") == [1234, 77] and numbers(q="77") == [77]
    assert numbers(kind="credit_note") == []
    assert numbers(size=1, page=2) == [77]
    assert shop.get("/invoices", store="S9").status_code == 404


def test_bad_input_is_a_422_naming_the_field(shop):
    def problem(**changes):
        return fields_of(shop.post("/invoices", {**invoice(), **changes}))

    assert problem(issuer_cuit="30712345672") == ["issuer_cuit"]
    bad_digit = shop.post("/invoices", {**invoice(), "issuer_cuit": "30-71234567-2"}).json()
    assert "check digit" in bad_digit["detail"][0]["message"]
    assert problem(afip_code=4) == ["afip_code"]
    assert problem(point_of_sale=0) == ["point_of_sale"]
    assert problem(lines=[line(quantity=-1)]) == ["lines.0.quantity"]
    assert problem(lines=[line(), line(price="1.234")]) == ["lines.1.unit_price"]
    assert problem(lines=[line(product="no-such-sku")]) == ["lines.0.product"]
    assert problem(lines=[line(vat_rate=22)]) == ["lines.0.vat_rate"]
    assert problem(lines=[]) == ["lines"]
    assert problem(store="S9") == ["store"]
    assert problem(currency="DOL") == ["currency"]
    assert problem(surprise=1) == ["surprise"]
    assert shop.get("/invoices").json()["total"] == 0  # nothing half-written


def test_a_document_is_entered_once(shop):
    shop.created_invoice(invoice())
    again = shop.post("/invoices", invoice(store="S2", cuit="30-71234567-1"))
    assert again.status_code == 409 and "already registered" in again.json()["detail"]
    assert shop.post("/invoices", invoice(code=3)).status_code == 201  # NC A 3-1234 differs


def test_confirming_takes_goods_in_sets_last_costs_and_counts_received_units(shop):
    before = shop.metric("minimarket_products_received_total", store="S1")
    created = shop.created_invoice(invoice(lines=[
        line("1001", 12, "2500.00"), line("1001", 4, "2600.00"), line("2001", "2.5", "6000.00")]))
    response = shop.post(f"/invoices/{created['id']}/confirm")
    assert response.status_code == 200, response.text
    result = exact(response)
    assert result["store"] == "S1" and result["kind"] == "invoice"
    assert [(m["kind"], m["quantity"]) for m in result["movements"]] == [
        ("intake", 12), ("intake", 4), ("intake", Decimal("2.5"))]
    assert shop.stock("S1")["1001"] == 16 and shop.stock("S1")["2001"] == 2.5
    assert shop.stock("S2")["1001"] == 0
    assert shop.metric("minimarket_products_received_total", store="S1") == before + 18.5

    cost = exact(shop.get("/products/1001/cost"))
    assert cost["last_cost"] == Decimal("2525.00")  # (12 x 2500 + 4 x 2600) / 16
    assert cost["source"] == "invoice" and cost["catalog_last_cost"] == Decimal("2525.00")
    shown = exact(shop.get(f"/invoices/{created['id']}"))
    assert shown["status"] == "confirmed" and shown["confirmation"]["counts_toward_stock"]


def test_unmatched_lines_block_confirmation_until_matched_and_codes_are_remembered(shop):
    created = shop.created_invoice(invoice(lines=[
        line("1001"), line(None, supplier_code="YM-1", description="Yerba x1kg"),
        line(None, 2, "100.00", description="Flete")]))
    assert created["unmatched_lines"] == [2, 3]
    response = shop.post(f"/invoices/{created['id']}/confirm")
    assert fields_of(response) == ["lines.1.product", "lines.2.product"]
    assert "'Yerba x1kg', code YM-1" in response.json()["detail"][0]["message"]
    assert shop.stock("S1")["1001"] == 0  # nothing moved

    path = f"/invoices/{created['id']}/lines"
    assert fields_of(shop.patch(f"{path}/2", {"product": "nope"})) == ["product"]
    assert shop.patch(f"{path}/9", {"product": "1001"}).status_code == 404
    assert shop.patch(f"{path}/2", {"product": str(shop.products["1001"])}).status_code == 200
    assert shop.patch(f"{path}/3", {"product": "1003"}).status_code == 200
    assert shop.post(f"/invoices/{created['id']}/confirm").status_code == 200
    assert shop.stock("S1")["1001"] == 24 and shop.stock("S1")["1003"] == 2
    with shop.session() as (session, _):
        codes = session.execute(select(t.SupplierProductCode.supplier_code,
                                       t.SupplierProductCode.product_id)).all()
    assert codes == [("YM-1", shop.products["1001"])]
    # the next document from that supplier matches the code by itself
    following = shop.created_invoice(invoice(99, lines=[line(None, supplier_code="YM-1")]))
    assert following["lines"][0]["product"]["sku"] == "1001"
    assert following["unmatched_lines"] == []
    other_supplier = shop.created_invoice(invoice(99, cuit="30500000003", lines=[
        line(None, supplier_code="YM-1")]))
    assert other_supplier["unmatched_lines"] == [1]


def test_a_confirmed_document_is_immutable_and_confirmed_once(shop):
    created = shop.created_invoice(invoice())
    path = f"/invoices/{created['id']}"
    assert shop.post(f"{path}/confirm").status_code == 200
    again = shop.post(f"{path}/confirm")
    assert again.status_code == 409 and "already confirmed" in again.json()["detail"]
    assert shop.put(path, invoice(lines=[line(quantity=1)])).status_code == 409
    assert shop.patch(f"{path}/lines/1", {"product": "1002"}).status_code == 409
    assert shop.delete(path).status_code == 409
    assert shop.stock("S1")["1001"] == 12


def _second_record_of(shop, store: str, number: int = 1234):
    """Another record of the same document, as a store's PC would sync it in."""
    with shop.session() as (session, recorder):
        store_id = session.scalar(select(t.Store.id).where(t.Store.code == store))
        invoice_id = new_id()
        recorder.upsert("supplier_invoice", invoice_id, {
            "store_id": store_id, "issuer_cuit": CUIT_SUR, "afip_code": 1, "point_of_sale": 3,
            "number": number, "invoice_key": invoice_key(CUIT_SUR, 1, 3, number),
            "issued_on": TODAY, "supplier_id": shop.suppliers["sur"],
        }, store_id=store_id)
        recorder.upsert("invoice_line", new_id(), {
            "invoice_id": invoice_id, "line_no": 1, "product_id": shop.products["1001"],
            "qty_milli": 12_000, "unit_cost_cents": 250_000, "vat_rate": "21",
        }, store_id=store_id)
    return invoice_id


def test_another_record_of_a_confirmed_document_is_refused_with_a_clear_message(shop):
    first = shop.created_invoice(invoice())
    second = _second_record_of(shop, "S2")
    assert shop.post(f"/invoices/{first['id']}/confirm").status_code == 200
    refused = shop.post(f"/invoices/{second}/confirm")
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(
        "Factura A 00003-00001234 of CUIT 30-71234567-1 is already registered")
    assert "store S1" in refused.json()["detail"]
    assert shop.stock("S2")["1001"] == 0 and shop.stock("S1")["1001"] == 12


def _race(shop, paths: list[str]) -> list[int]:
    barrier = threading.Barrier(len(paths))
    codes: list[int] = [0] * len(paths)

    def confirm(index: int, path: str) -> None:
        barrier.wait()
        codes[index] = shop.post(path).status_code

    threads = [threading.Thread(target=confirm, args=pair) for pair in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(codes)


def test_two_concurrent_confirmations_of_one_document_give_one_200_and_one_409(shop):
    for round_no in range(3):
        number = 5000 + round_no
        first = shop.created_invoice(invoice(number))
        other_store = _second_record_of(shop, "S2", number)
        same = [f"/invoices/{first['id']}/confirm"] * 2
        assert _race(shop, same) == [200, 409]
        fresh = shop.created_invoice(invoice(number + 100))
        twin = _second_record_of(shop, "S2", number + 100)
        assert _race(shop, [f"/invoices/{fresh['id']}/confirm",
                            f"/invoices/{twin}/confirm"]) == [200, 409]
        assert shop.post(f"/invoices/{other_store}/confirm").status_code == 409
    with shop.session() as (session, _):
        keys = session.scalars(select(t.InvoiceConfirmation.invoice_key)).all()
    assert len(keys) == len(set(keys)) == 6
    assert shop.stock("S1")["1001"] + shop.stock("S2")["1001"] == 6 * 12


def test_a_credit_note_returns_goods_to_the_supplier_and_keeps_the_cost(shop):
    shop.confirmed_invoice(invoice(lines=[line("1001", 12, "2500.00")]))
    note = shop.confirmed_invoice(invoice(code=3, lines=[line("1001", 2, "2400.00")]))
    assert note["kind"] == "credit_note"
    assert [(m["kind"], m["quantity"]) for m in note["movements"]] == [("supplier_return", -2)]
    assert shop.stock("S1")["1001"] == 10
    assert exact(shop.get("/products/1001/cost"))["last_cost"] == Decimal("2500.00")
    for code in (8, 13):  # Nota de crédito B and C return goods too
        shop.confirmed_invoice(invoice(100 + code, code=code, lines=[line("1001", 1, "100.00")]))
    assert shop.stock("S1")["1001"] == 8


def test_a_debit_note_is_recorded_without_moving_stock(shop):
    note = shop.confirmed_invoice(invoice(code=2, lines=[line(None, 1, "1500.00",
                                                              description="Intereses")]))
    assert note["movements"] == [] and note["kind"] == "debit_note"
    assert shop.stock("S1")["1001"] == 0


def test_factura_b_and_c_costs_are_derived_net_of_vat(shop):
    result = shop.confirmed_invoice(invoice(code=6, lines=[
        line("1001", 10, "1210.00"), line("2001", 1, "1105.00")]))  # 21 % and 10.5 %
    assert [m["unit_cost"] for m in result["movements"]] == [Decimal("1000.00"),
                                                             Decimal("1000.00")]
    assert exact(shop.get("/products/1001/cost"))["last_cost"] == Decimal("1000.00")
    shop.confirmed_invoice(invoice(code=11, lines=[line("1002", 1, "1000.00", vat_rate="0")]))
    assert exact(shop.get(f"/products/{ean(2)}/cost"))["last_cost"] == Decimal("1000.00")
    shown = exact(shop.get("/invoices", kind="invoice"))
    assert {i["type"]["letter"] for i in shown["items"]} == {"B", "C"}


def test_the_last_cost_is_the_latest_confirmation_with_its_history(shop):
    assert exact(shop.get("/products/1001/cost"))["source"] == "catalog"
    older = shop.created_invoice(invoice(1, lines=[line("1001", 10, "2600.00")]))
    shop.confirmed_invoice(invoice(2, lines=[line("1001", 5, "2500.00")],
                                   issued_on=TODAY - timedelta(days=3)))
    shop.post(f"/invoices/{older['id']}/confirm")  # confirmed later: the latest cost
    cost = exact(shop.get("/products/1001/cost"))
    assert cost["last_cost"] == Decimal("2600.00") and cost["confirmations"] == 2
    assert [(h["document"], h["quantity"], h["unit_cost"]) for h in cost["history"]] == [
        ("Factura A 00003-00000001", 10, Decimal("2600.00")),
        ("Factura A 00003-00000002", 5, Decimal("2500.00"))]
    assert cost["history"][0]["store"] == "S1"
    assert cost["history"][0]["supplier"] == "Distribuidora Sur SA"
    assert shop.get("/products/nope/cost").status_code == 404


def test_a_draft_can_be_corrected_and_discarded(shop):
    created = shop.created_invoice(invoice(lines=[line("1001"), line("1002"), line("1003")]))
    path = f"/invoices/{created['id']}"
    response = shop.put(path, invoice(99, lines=[line("1002", 3, "10.00")],
                                      totals={"total": "50.00"}))
    assert response.status_code == 200, response.text
    fixed = exact(response)
    assert fixed["number"] == 99 and [ln["product"]["sku"] for ln in fixed["lines"]] == ["1002"]
    assert fixed["totals"] == {"net": None, "vat": None, "total": Decimal("50.00")}
    assert shop.delete(path).status_code == 204
    assert shop.get(path).status_code == 404
    assert shop.get("/invoices").json()["total"] == 0


def test_reconciliation_warnings_show_on_the_document(shop):
    created = shop.created_invoice(invoice(
        lines=[line("1001", 2, "100.00", amount="210.00")],
        totals={"net": "200.00", "vat": "42.00", "total": "250.00"}))
    warnings = {(w["check"], w["line_no"]): (w["expected"], w["found"])
                for w in created["warnings"]}
    assert warnings == {("line_amount", 1): (Decimal("200.00"), Decimal("210.00")),
                        ("lines_vs_net", None): (Decimal("210.00"), Decimal("200.00")),
                        ("net_plus_vat_vs_total", None): (Decimal("242.00"), Decimal("250.00"))}


def test_a_store_confirmation_leaves_the_catalog_to_hq_which_derives_the_cost(shop):
    from shared.services.invoices import confirm_invoice

    created = shop.created_invoice(invoice(lines=[line("1001", 12, "2500.00")]))
    with shop.session() as (session, recorder):  # as the store client runs it, offline
        result = confirm_invoice(session, recorder, uuid.UUID(created["id"]),
                                 set_last_costs=False)
        assert result.last_costs == {shop.products["1001"]: 250_000}
    cost = exact(shop.get("/products/1001/cost"))
    assert cost["catalog_last_cost"] == Decimal("2900.00")  # the catalog was not written
    assert (cost["last_cost"], cost["source"]) == (Decimal("2500.00"), "invoice")
