"""Suppliers over HTTP: CUIT check digit, duplicates, search, promotion and merge."""

import pytest

from shared.domain.cuit import cuit_check_digit
from tests.integration.central.api.test_deposito_support import API, create_product, fields_of


def cuit(body10: str) -> str:
    return body10 + str(cuit_check_digit(body10))


SUR = cuit("3071234567")
NORTE = cuit("3050001091")


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def add(client, h, number, name, **extra):
    response = client.post(f"{API}/suppliers", headers=h, json={"cuit": number, "name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_supplier_is_stored_with_its_cuit_as_eleven_digits(client, h):
    dashed = f"{SUR[:2]}-{SUR[2:10]}-{SUR[10]}"
    created = add(client, h, dashed, "Distribuidora Sur SA")
    assert created["cuit"] == SUR and created["provisional"] is False
    read = client.get(f"{API}/suppliers/{created['id']}", headers=h).json()
    assert read == {**created, "products": 0}


def test_a_wrong_cuit_check_digit_is_a_422_naming_cuit(client, h):
    wrong = SUR[:10] + str((int(SUR[10]) + 1) % 10)
    response = client.post(f"{API}/suppliers", headers=h, json={"cuit": wrong, "name": "X"})
    assert fields_of(response) == ["cuit"]
    assert "check digit" in response.json()["detail"][0]["message"]
    assert client.get(f"{API}/suppliers", headers=h).json()["total"] == 0


def test_a_cuit_already_held_is_a_409(client, h):
    first = add(client, h, SUR, "Sur")
    again = client.post(f"{API}/suppliers", headers=h, json={"cuit": SUR, "name": "Otro"})
    assert again.status_code == 409
    other = add(client, h, NORTE, "Norte")
    taken = client.patch(f"{API}/suppliers/{other['id']}", headers=h, json={"cuit": SUR})
    assert taken.status_code == 409
    renamed = client.patch(f"{API}/suppliers/{first['id']}", headers=h, json={"name": "Sur SRL"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Sur SRL"


def test_suppliers_are_searched_by_name_without_accents_and_by_cuit(client, h):
    add(client, h, SUR, "Lácteos del Sur")
    add(client, h, NORTE, "Almacén Norte")

    def names(q):
        return [s["name"] for s in client.get(f"{API}/suppliers", params={"q": q}, headers=h).json()["items"]]

    assert names("lacteos") == ["Lácteos del Sur"]
    assert names("ALMACEN") == ["Almacén Norte"]
    assert names(NORTE[2:8]) == ["Almacén Norte"]
    page = client.get(f"{API}/suppliers", params={"size": 1, "page": 2}, headers=h).json()
    assert page["total"] == 2 and [s["name"] for s in page["items"]] == ["Lácteos del Sur"]


def test_a_provisional_supplier_is_promoted(client, h):
    provisional = add(client, h, SUR, SUR, provisional=True)
    listed = client.get(f"{API}/suppliers", params={"provisional": True}, headers=h).json()
    assert [s["id"] for s in listed["items"]] == [provisional["id"]]
    promoted = client.post(f"{API}/suppliers/{provisional['id']}/promote", headers=h,
                           json={"name": "Distribuidora Sur"})
    assert promoted.status_code == 200
    assert promoted.json()["provisional"] is False and promoted.json()["name"] == "Distribuidora Sur"
    again = client.post(f"{API}/suppliers/{provisional['id']}/promote", headers=h)
    assert again.status_code == 409


def test_merging_a_provisional_supplier_moves_its_products(client, h):
    real = add(client, h, SUR, "Distribuidora Sur")
    provisional = add(client, h, NORTE, "cargado en caja", provisional=True)
    product = create_product(client, h, "P1", supplier_id=provisional["id"])
    merged = client.post(f"{API}/suppliers/{provisional['id']}/merge", headers=h,
                         json={"into": real["id"]})
    assert merged.status_code == 200 and merged.json()["products"] == 1
    assert client.get(f"{API}/products/{product['id']}", headers=h).json()["supplier_id"] == real["id"]
    old = client.get(f"{API}/suppliers/{provisional['id']}", headers=h).json()
    assert old["archived"] is True and old["merged_into"] == real["id"]
    assert client.get(f"{API}/suppliers", headers=h).json()["total"] == 1
    # the real supplier cannot be merged (it is not provisional), nor into itself
    assert client.post(f"{API}/suppliers/{real['id']}/merge", headers=h,
                       json={"into": provisional["id"]}).status_code == 409
    other = add(client, h, cuit("2012345678"), "Otro", provisional=True)
    assert fields_of(client.post(f"{API}/suppliers/{other['id']}/merge", headers=h,
                                 json={"into": other["id"]})) == ["into"]


def test_supplier_writes_need_deposito(client, token_for):
    body = {"cuit": SUR, "name": "Sur"}
    assert client.post(f"{API}/suppliers", json=body).status_code == 401
    assert client.post(f"{API}/suppliers", json=body, headers=token_for("negocio")).status_code == 403
    assert client.get(f"{API}/suppliers", headers=token_for("cajero1")).status_code == 200
