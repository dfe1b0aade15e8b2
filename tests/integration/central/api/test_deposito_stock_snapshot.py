"""The stock snapshot PostgreSQL writes is the one Python writes, byte for byte."""

import pytest
from sqlalchemy.orm import Session

from central.identity import find_store
from shared.db.engine import create_db_engine
from shared.domain.jsonout import dumps
from shared.services.stock import stock_snapshot, stock_snapshot_json
from tests.integration.central.api.test_deposito_support import (
    API,
    create_product,
    ean,
    moved,
)


@pytest.fixture
def h(token_for):
    return token_for("deposito")


def assert_same_snapshots(client, h, central_db) -> dict[str, str]:
    """Per store, the SQL body, after checking it equals Python's and the API's."""
    engine = create_db_engine(central_db)
    bodies = {}
    with Session(engine) as session:
        for code in ("S1", "S2"):
            store = find_store(session, code)
            built = stock_snapshot_json(session, store)
            assert built == dumps(stock_snapshot(session, store))
            bodies[code] = built
    engine.dispose()
    for code, body in bodies.items():
        response = client.get(f"{API}/stock", params={"store": code}, headers=h)
        assert response.status_code == 200 and response.text == body
    return bodies


# The snapshot is built by the database on PostgreSQL only; SQLite keeps the Python path.
@pytest.mark.parametrize("central_db", ["postgres"], indirect=True)
def test_the_sql_snapshot_equals_the_python_snapshot_byte_for_byte(client, h, central_db):
    create_product(client, h, "Y1", "Yerba", barcodes=[ean(1)])
    create_product(client, h, "a2")  # lower case sorts after every upper-case sku
    create_product(client, h, "Ñandú")  # non-ASCII: code point (UTF-8 byte) order
    create_product(client, h, 'Q"1\\x')  # escaped in JSON
    create_product(client, h, "K1", unit="kg")
    create_product(client, h, "K2", unit="kg")
    create_product(client, h, "ZERO")
    create_product(client, h, "NEG")
    archived = create_product(client, h, "ARCH")
    provisional = create_product(client, h, "PROV-9", barcodes=[ean(9)], provisional=True)
    moved(client, h, "S1", "Y1", "intake", 10)
    moved(client, h, "S1", "K1", "intake", "1.5")
    moved(client, h, "S1", "K1", "sale", "0.15")
    moved(client, h, "S2", "K1", "sale", "0.25")
    moved(client, h, "S1", "K2", "sale", 2)  # a whole negative weight prints as -2
    moved(client, h, "S1", "ZERO", "intake", 3)
    moved(client, h, "S1", "ZERO", "sale", 3)
    moved(client, h, "S1", "NEG", "sale", 4)
    moved(client, h, "S1", "ARCH", "intake", 7)
    moved(client, h, "S1", "PROV-9", "intake", 5)
    moved(client, h, "S2", "PROV-9", "sale", 1)
    assert client.post(f"{API}/products/{archived['id']}/archive", headers=h).status_code == 200
    before = assert_same_snapshots(client, h, central_db)
    assert before["S1"] == (
        '{"store": "S1", "items": [{"sku": "K1", "quantity": 1.350}, '
        '{"sku": "K2", "quantity": -2}, {"sku": "NEG", "quantity": -4}, '
        '{"sku": "PROV-9", "quantity": 5}, {"sku": "Q\\"1\\\\x", "quantity": 0}, '
        '{"sku": "Y1", "quantity": 10}, {"sku": "ZERO", "quantity": 0}, '
        '{"sku": "a2", "quantity": 0}, {"sku": "Ñandú", "quantity": 0}]}')

    merged = client.post(f"{API}/products/{provisional['id']}/merge", headers=h,
                         json={"into": client.get(f"{API}/products/lookup", headers=h,
                                                  params={"code": "Y1"}).json()["product"]["id"]})
    assert merged.status_code == 200, merged.text
    moved(client, h, "S2", ean(9), "intake", "2")  # the old barcode now moves Y1
    after = assert_same_snapshots(client, h, central_db)
    assert '{"sku": "Y1", "quantity": 15}' in after["S1"] and "PROV-9" not in after["S1"]

    count = client.post(f"{API}/counts", json={"store": "S1"}, headers=h).json()
    counted = client.post(f"{API}/counts/{count['id']}/items", headers=h,
                          json={"product": "Y1", "quantity": 12})
    assert counted.status_code == 201, counted.text
    recounted = assert_same_snapshots(client, h, central_db)
    assert '{"sku": "Y1", "quantity": 12}' in recounted["S1"]
