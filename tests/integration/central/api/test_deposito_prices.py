"""Price entries over HTTP: set, history, current per store, changes since a date."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared.settings import business_day
from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    exact,
    fields_of,
)

TODAY = business_day(datetime.now(UTC))


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def price(client, h, product, amount, when, store=None):
    body = {"price": amount, "effective_from": when, **({"store": store} if store else {})}
    response = client.post(f"{API}/products/{product['id']}/prices", json=body, headers=h)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_store_price_beats_the_chain_price_and_dates_decide(client, h):
    product = create_product(client, h, "Y1")
    price(client, h, product, "100", days(-10))
    entry = price(client, h, product, "120.5", days(-3), store="S1")
    assert '"price": 120.50' in client.get(
        f"{API}/products/{product['id']}/prices", headers=h).text
    assert entry["store"] == "S1" and entry["effective_from"] == days(-3)
    now = exact(client.get(f"{API}/products/{product['id']}/prices/current", headers=h))
    assert now["chain"] == Decimal("100.00")
    assert {s["store"]: s["price"] for s in now["stores"]} == {
        "S1": Decimal("120.50"), "S2": Decimal("100.00")}
    before = exact(client.get(f"{API}/products/{product['id']}/prices/current",
                              params={"store": "S1", "on": days(-5)}, headers=h))
    assert before["stores"] == [{"store": "S1", "price": Decimal("100.00")}]
    assert exact(client.get(f"{API}/products/{product['id']}/prices/current",
                            params={"on": days(-11)}, headers=h))["chain"] is None


def test_price_history_is_newest_first_and_paginated(client, h):
    product = create_product(client, h, "Y1")
    for n, amount in enumerate(("10", "11", "12")):
        price(client, h, product, amount, days(-30 + n))
    price(client, h, product, "9.99", days(-1), store="S2")
    history = exact(client.get(f"{API}/products/{product['id']}/prices",
                               params={"size": 2}, headers=h))
    assert history["total"] == 4
    assert [(e["price"], e["store"]) for e in history["items"]] == [
        (Decimal("9.99"), "S2"), (Decimal("12.00"), None)]
    s1_only = client.get(f"{API}/products/{product['id']}/prices", params={"store": "S1"},
                         headers=h).json()
    assert s1_only["total"] == 3 and all(e["store"] is None for e in s1_only["items"])


def test_a_price_must_be_positive_with_at_most_two_decimals(client, h):
    product = create_product(client, h, "Y1")
    url = f"{API}/products/{product['id']}/prices"
    assert fields_of(client.post(url, json={"price": "10.001"}, headers=h)) == ["price"]
    assert fields_of(client.post(url, json={"price": -5}, headers=h)) == ["price"]
    assert fields_of(client.post(url, json={"price": 5, "store": "S9"}, headers=h)) == ["store"]
    assert client.get(url, headers=h).json()["total"] == 0


def test_price_changes_since_a_date_list_old_and_new_prices_per_store(client, h):
    a = create_product(client, h, "A", "Arroz")
    b = create_product(client, h, "B", "Fideos")
    c = create_product(client, h, "C", "Harina")
    d = create_product(client, h, "D", "Polenta")
    price(client, h, a, "100", days(-10))
    price(client, h, a, "120", days(-3), store="S1")  # only S1 relabels A
    price(client, h, b, "50", days(-20))
    price(client, h, b, "55", days(-1))  # chain-wide: both stores relabel B
    price(client, h, c, "70", days(-20))
    price(client, h, c, "70", days(-1))  # same price again: nothing to relabel
    price(client, h, d, "80", days(1))  # not effective yet

    def changes(store, **params):
        response = client.get(f"{API}/price-changes", headers=h,
                              params={"store": store, "since": days(-5), **params})
        assert response.status_code == 200, response.text
        return exact(response)

    s1 = changes("S1")
    assert [(i["sku"], i["old_price"], i["new_price"]) for i in s1["items"]] == [
        ("A", Decimal("100.00"), Decimal("120.00")), ("B", Decimal("50.00"), Decimal("55.00"))]
    s2 = changes("S2")
    assert [i["sku"] for i in s2["items"]] == ["B"]
    assert [i["sku"] for i in changes("S1", q="fideos")["items"]] == ["B"]
    paged = changes("S1", size=1, page=2)
    assert paged["total"] == 2 and [i["sku"] for i in paged["items"]] == ["B"]
    future = client.get(f"{API}/price-changes", params={"store": "S1", "since": days(2)},
                        headers=h)
    assert fields_of(future) == ["since"]
    assert client.get(f"{API}/price-changes", params={"store": "S9", "since": days(-5)},
                      headers=h).status_code == 404


def test_a_cashier_sees_prices_of_its_own_store_only(client, h, token_for):
    product = create_product(client, h, "Y1")
    price(client, h, product, "100", days(-10))
    price(client, h, product, "90", days(-2), store="S2")
    cashier = token_for("cajero1")
    own = exact(client.get(f"{API}/products/{product['id']}/prices/current", headers=cashier))
    assert own["stores"] == [{"store": "S1", "price": Decimal("100.00")}]
    other = client.get(f"{API}/products/{product['id']}/prices/current",
                       params={"store": "S2"}, headers=cashier)
    assert other.status_code == 403
    history = client.get(f"{API}/products/{product['id']}/prices", headers=cashier).json()
    assert [e["store"] for e in history["items"]] == [None]
    assert client.get(f"{API}/price-changes", params={"store": "S2", "since": days(-5)},
                      headers=cashier).status_code == 403
    assert client.get(f"{API}/price-changes", params={"store": "S1", "since": days(-5)},
                      headers=cashier).status_code == 200
    refused = client.post(f"{API}/products/{product['id']}/prices", json={"price": 1},
                          headers=cashier)
    assert refused.status_code == 403
