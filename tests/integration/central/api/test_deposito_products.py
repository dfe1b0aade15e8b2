"""Products and barcodes over HTTP: CRUD, archive, duplicates, pagination, search."""

from decimal import Decimal

import pytest

from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    ean,
    ean13,
    exact,
    fields_of,
)


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def test_a_product_is_created_with_barcodes_and_a_chain_price_and_read_back(client, h):
    created = create_product(client, h, "Y1", "Yerba mate 1 kg", category="Almacén",
                             barcodes=[ean(1), "7 790000 000027"], price="4200.5",
                             min_stock=12, last_cost=2900, vat_rate=10.5)
    assert created["barcodes"] == [ean(1), ean(2)]  # spaces dropped, check digits verified
    response = client.get(f"{API}/products/{created['id']}", headers=h)
    body = exact(response)
    assert body["price"] == Decimal("4200.50") and '"price": 4200.50' in response.text
    assert '"last_cost": 2900.00' in response.text
    assert (body["sku"], body["vat_rate"], body["min_stock"], body["unit"]) == (
        "Y1", "10.5", 12, "unidad")
    assert body["provisional"] is False and body["archived"] is False


def test_fields_change_one_at_a_time_and_null_clears_an_optional_one(client, h):
    product = create_product(client, h, "Q1", "Queso", category="Fiambrería", unit="kg")
    response = client.patch(f"{API}/products/{product['id']}", headers=h,
                            json={"name": "Queso cremoso", "category": None, "min_stock": "2.5"})
    assert response.status_code == 200, response.text
    body = exact(response)
    assert (body["name"], body["category"], body["min_stock"]) == (
        "Queso cremoso", None, Decimal("2.500"))
    assert body["unit"] == "kg"  # untouched
    refused = client.patch(f"{API}/products/{product['id']}", headers=h, json={"name": None})
    assert fields_of(refused) == ["name"]


def test_a_unit_product_takes_a_whole_minimum(client, h):
    response = client.post(f"{API}/products", headers=h,
                           json={"sku": "U1", "name": "Leche", "min_stock": "1.5"})
    assert fields_of(response) == ["min_stock"]


def test_duplicate_sku_or_barcode_is_a_409(client, h):
    first = create_product(client, h, "A1", barcodes=[ean(10)])
    same_sku = client.post(f"{API}/products", headers=h, json={"sku": "A1", "name": "Otro"})
    assert same_sku.status_code == 409 and "A1" in same_sku.json()["detail"]
    same_code = client.post(f"{API}/products", headers=h,
                            json={"sku": "A2", "name": "Otro", "barcodes": [ean(10)]})
    assert same_code.status_code == 409 and ean(10) in same_code.json()["detail"]
    other = create_product(client, h, "A3")
    taken = client.patch(f"{API}/products/{other['id']}", headers=h, json={"sku": "A1"})
    assert taken.status_code == 409
    listed = client.get(f"{API}/products", headers=h).json()
    assert [item["sku"] for item in listed["items"]] == ["A1", "A3"]
    assert client.get(f"{API}/products/{first['id']}", headers=h).json()["name"] == "Producto A1"


def test_bad_barcode_check_digit_and_bad_price_are_422_naming_the_field(client, h):
    response = client.post(f"{API}/products", headers=h, json={
        "sku": "B1", "name": "Galletitas", "barcodes": [ean(3), "7790000000031"],
        "price": "10.005"})
    assert sorted(fields_of(response)) == ["barcodes.1", "price"]
    assert client.get(f"{API}/products", headers=h).json()["total"] == 0


def test_barcodes_are_added_and_removed_and_a_taken_one_is_refused(client, h):
    yerba = create_product(client, h, "Y1", barcodes=[ean(1)])
    other = create_product(client, h, "O1", barcodes=[ean(2)])
    added = client.post(f"{API}/products/{yerba['id']}/barcodes", headers=h, json={"code": ean(5)})
    assert added.status_code == 201 and added.json()["barcodes"] == [ean(1), ean(5)]
    again = client.post(f"{API}/products/{yerba['id']}/barcodes", headers=h, json={"code": ean(5)})
    assert again.status_code == 200 and again.json()["barcodes"] == [ean(1), ean(5)]
    taken = client.post(f"{API}/products/{yerba['id']}/barcodes", headers=h, json={"code": ean(2)})
    assert taken.status_code == 409
    removed = client.delete(f"{API}/products/{yerba['id']}/barcodes/{ean(1)}", headers=h)
    assert removed.status_code == 200 and removed.json()["barcodes"] == [ean(5)]
    gone = client.get(f"{API}/products/lookup", params={"code": ean(1)}, headers=h)
    assert gone.status_code == 404
    # the freed code can now go to another product
    moved = client.post(f"{API}/products/{other['id']}/barcodes", headers=h, json={"code": ean(1)})
    assert moved.status_code == 201
    missing = client.delete(f"{API}/products/{yerba['id']}/barcodes/{ean(9)}", headers=h)
    assert missing.status_code == 404


def test_archiving_hides_a_product_but_never_purges_it(client, h):
    product = create_product(client, h, "Z1", barcodes=[ean(7)])
    archived = client.post(f"{API}/products/{product['id']}/archive", headers=h)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert client.get(f"{API}/products", headers=h).json()["total"] == 0
    only = client.get(f"{API}/products", params={"archived": "yes"}, headers=h).json()
    assert [item["sku"] for item in only["items"]] == ["Z1"]
    assert client.get(f"{API}/products/{product['id']}", headers=h).status_code == 200
    assert client.post(f"{API}/products/{product['id']}/restore", headers=h).json()["archived"] is False
    assert client.get(f"{API}/products", headers=h).json()["total"] == 1


def test_lists_paginate_by_page_and_size_or_limit_and_offset(client, h):
    for n in range(7):
        create_product(client, h, f"P{n:02d}")
    first = client.get(f"{API}/products", params={"page": 1, "size": 3}, headers=h).json()
    third = client.get(f"{API}/products", params={"page": 3, "size": 3}, headers=h).json()
    assert [i["sku"] for i in first["items"]] == ["P00", "P01", "P02"]
    assert [i["sku"] for i in third["items"]] == ["P06"]
    assert (first["total"], first["page"], first["size"]) == (7, 1, 3)
    window = client.get(f"{API}/products", params={"limit": 2, "offset": 4}, headers=h).json()
    assert [i["sku"] for i in window["items"]] == ["P04", "P05"]
    assert (window["total"], window["offset"], window["size"]) == (7, 4, 2)
    mixed = client.get(f"{API}/products", params={"page": 1, "offset": 2}, headers=h)
    assert fields_of(mixed) == ["offset"]
    assert fields_of(client.get(f"{API}/products", params={"size": 0}, headers=h)) == ["size"]


def test_search_ignores_accents_and_case_and_matches_sku_and_barcode(client, h):
    create_product(client, h, "AZ-1", "Azúcar común 1 kg", barcodes=[ean(101)])
    create_product(client, h, "NA-2", "Ñandú de peluche")
    create_product(client, h, "YE-3", "Yerba mate suave", barcodes=[ean(303)])

    def skus(q):
        body = client.get(f"{API}/products", params={"q": q}, headers=h).json()
        return sorted(item["sku"] for item in body["items"])

    assert skus("azucar") == skus("AZÚCAR") == skus("azÚcar 1") == ["AZ-1"]
    assert skus("nandu") == skus("ÑANDÚ") == ["NA-2"]
    assert skus("ye-3") == ["YE-3"]
    assert skus(ean(303)[4:10]) == ["YE-3"]
    assert skus("mate azucar") == []  # every word must match
    assert skus("100%") == []  # LIKE wildcards are taken literally


def test_provisional_and_category_filters(client, h):
    create_product(client, h, "C1", category="Lácteos")
    create_product(client, h, "C2", category="Almacén", provisional=True)
    provisional = client.get(f"{API}/products", params={"provisional": True}, headers=h).json()
    assert [i["sku"] for i in provisional["items"]] == ["C2"]
    firm = client.get(f"{API}/products", params={"provisional": False}, headers=h).json()
    assert [i["sku"] for i in firm["items"]] == ["C1"]
    dairy = client.get(f"{API}/products", params={"category": "lacteos"}, headers=h).json()
    assert [i["sku"] for i in dairy["items"]] == ["C1"]


def test_lookup_finds_sku_barcode_and_scale_labels(client, h):
    cheese = create_product(client, h, "QS", "Queso", unit="kg", barcodes=[ean13("201234500000")])
    by_sku = client.get(f"{API}/products/lookup", params={"code": "QS"}, headers=h).json()
    assert by_sku["matched_by"] == "sku" and by_sku["product"]["id"] == cheese["id"]
    label = client.get(f"{API}/products/lookup", params={"code": ean13("201234501250")},
                       headers=h)
    body = exact(label)
    assert body["matched_by"] == "scale" and body["weight"] == Decimal("1.250")
    assert body["product"]["sku"] == "QS"
    unknown = client.get(f"{API}/products/lookup", params={"code": "nada"}, headers=h)
    assert unknown.status_code == 404 and "nada" in unknown.json()["detail"]


def test_unknown_product_ids_are_404(client, h):
    missing = "01a2222c-0000-7000-8000-000000000000"
    assert client.get(f"{API}/products/{missing}", headers=h).status_code == 404
    assert client.patch(f"{API}/products/{missing}", headers=h, json={"name": "x"}).status_code == 404


def test_catalog_writes_need_deposito_or_admin_and_reads_any_role(client, token_for):
    body = {"sku": "R1", "name": "Arroz"}
    assert client.post(f"{API}/products", json=body).status_code == 401
    for user in ("negocio", "cajero1", "mlservice"):
        response = client.post(f"{API}/products", json=body, headers=token_for(user))
        assert response.status_code == 403, user
    assert client.post(f"{API}/products", json=body, headers=token_for("admin")).status_code == 201
    assert client.get(f"{API}/products").status_code == 401
    for user in ("negocio", "cajero1", "mlservice", "deposito"):
        listed = client.get(f"{API}/products", headers=token_for(user))
        assert listed.status_code == 200 and listed.json()["total"] == 1, user
