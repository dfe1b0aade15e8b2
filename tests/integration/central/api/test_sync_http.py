"""Push and pull over HTTP with a real device credential."""

import uuid

from shared.ops.hlc import HybridLogicalClock
from shared.ops.model import Operation, OpKind
from tests.integration.central.api.conftest import enroll, login


def device_headers(client, central_db, store="S1"):
    device_id, secret = enroll(client, central_db, store)
    token = client.post("/api/auth/device-token",
                        json={"device_id": str(device_id), "device_secret": secret}).json()
    return device_id, {"Authorization": f"Bearer {token['access_token']}",
                       "X-Minimarket-Protocol": "1"}


def sale(device_id, store_id, product_id, clock):
    return Operation(uuid.uuid4(), clock.now(), device_id, None, OpKind.APPEND, "stock_movement",
                     uuid.uuid4(), store_id, {"store_id": str(store_id),
                                              "product_id": str(product_id), "kind": 2,
                                              "qty_milli": -1000}).to_wire()


def test_a_device_pushes_sales_and_reads_them_back_in_stock_and_pull(client, central_db, token_for):
    admin = token_for("admin")
    product = client.post("/api/deposito/products", headers=admin,
                          json={"sku": "Y1", "name": "Yerba", "unit": "unidad"}).json()
    store_id = uuid.UUID(client.get("/api/auth/me", headers=login(client, "cajero1")).json()["store_id"])
    device_id, headers = device_headers(client, central_db)
    clock = HybridLogicalClock()
    batch = [sale(device_id, store_id, product["id"], clock) for _ in range(3)]
    bad = {**sale(device_id, store_id, product["id"], clock), "entity": "price"}
    body = {"batch_id": "b1", "ops": [*batch[:2], bad, batch[2]],
            "heartbeat": {"pending": 4, "app_version": "0.1.0"}}
    response = client.post("/api/sync/push", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert len(result["accepted"]) == 3 and result["refused"][0]["code"] == "forbidden_entity"
    again = client.post("/api/sync/push", json=body, headers=headers).json()
    assert again["accepted"] == [] and len(again["duplicates"]) == 3

    stock = client.get("/api/deposito/stock", params={"store": "S1"}, headers=admin).json()
    assert stock["items"] == [{"sku": "Y1", "quantity": -3}]

    pulled = client.get("/api/sync/pull", params={"after": 0}, headers=headers).json()
    entities = [op["entity"] for op in pulled["ops"]]
    assert entities.count("stock_movement") == 3 and "product" in entities
    assert "user" in entities  # the store's cashier, for offline sign-in
    assert client.get("/api/sync/pull", params={"after": pulled["cursor"]},
                      headers=headers).json()["ops"] == []


def test_only_devices_sync_and_old_protocols_are_told_so(client, central_db, token_for):
    assert client.get("/api/sync/pull", headers=token_for("admin")).status_code == 403
    assert client.get("/api/sync/pull").status_code == 401
    _, headers = device_headers(client, central_db)
    old = client.get("/api/sync/pull", headers={**headers, "X-Minimarket-Protocol": "9"})
    assert old.status_code == 426 and old.json()["detail"]["versions"] == [1]
    assert client.get("/api/sync/hello").json()["versions"] == [1]


def confirmation(device_id, store_id, product_id, clock, key):
    return Operation(uuid.uuid4(), clock.now(), device_id, None, OpKind.APPEND,
                     "invoice_confirmation", uuid.uuid4(), store_id, {
                         "invoice_id": str(uuid.uuid4()), "invoice_key": key,
                         "store_id": str(store_id),
                         "movements": [{"id": str(uuid.uuid4()), "product_id": str(product_id),
                                        "kind": 1, "qty_milli": 5000}]}).to_wire()


def test_duplicate_documents_and_negative_stock_are_listed_for_review(client, central_db, token_for):
    admin = token_for("admin")
    product = client.post("/api/deposito/products", headers=admin,
                          json={"sku": "Y1", "name": "Yerba", "unit": "unidad"}).json()
    store_id = uuid.UUID(client.get("/api/auth/me", headers=login(client, "cajero1")).json()["store_id"])
    clock = HybridLogicalClock()
    pc1, headers1 = device_headers(client, central_db)
    pc2, headers2 = device_headers(client, central_db)
    key = "30500010912-001-00003-00001234"
    first = confirmation(pc1, store_id, product["id"], clock, key)
    second = confirmation(pc2, store_id, product["id"], clock, key)
    for headers, op in ((headers2, second), (headers1, first)):  # the later one syncs first
        assert client.post("/api/sync/push", headers=headers,
                           json={"batch_id": "x", "ops": [op]}).json()["accepted"]
    sales = [sale(pc1, store_id, product["id"], clock) for _ in range(7)]
    client.post("/api/sync/push", headers=headers1, json={"batch_id": "y", "ops": sales})

    listed = client.get("/api/sync/conflicts", headers=token_for("negocio")).json()
    kinds = {item["kind"]: item for item in listed["items"]}
    assert kinds["duplicate_document"]["counted"]["op_id"] == first["op_id"]
    assert [c["op_id"] for c in kinds["duplicate_document"]["not_counted"]] == [second["op_id"]]
    assert kinds["negative_stock"]["quantity"] == -2 and kinds["negative_stock"]["sku"] == "Y1"
    assert client.get("/api/sync/conflicts", params={"store": "S2"},
                      headers=admin).json()["total"] == 0
    assert client.get("/api/sync/conflicts", headers=login(client, "cajero1")).status_code == 403
