"""Review decisions on conflicts: recorded with who and when, audited, reopened by a
later operation that changes the conflict."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.db.engine import create_db_engine
from shared.ops.hlc import HybridLogicalClock
from tests.integration.central.api.conftest import login
from tests.integration.central.api.test_deposito_support import moved
from tests.integration.central.api.test_sync_http import confirmation, device_headers, sale

KEY = "30500010912-001-00003-00001234"
CONFLICTS = "/api/sync/conflicts"
DECISIONS = "/api/sync/conflicts/decisions"


def push(client, headers, *ops):
    response = client.post("/api/sync/push", headers=headers, json={"batch_id": "b", "ops": list(ops)})
    assert response.status_code == 200, response.text
    assert len(response.json()["accepted"]) == len(ops)


def listed(client, headers, **params):
    response = client.get(CONFLICTS, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def shop(client, central_db, token_for):
    admin = token_for("admin")
    product = client.post("/api/deposito/products", headers=admin,
                          json={"sku": "Y1", "name": "Yerba", "unit": "unidad"}).json()
    store_id = uuid.UUID(client.get("/api/auth/me", headers=login(client, "cajero1")).json()["store_id"])
    pc, headers = device_headers(client, central_db)
    return product, store_id, pc, headers


def audit_events(central_db):
    engine = create_db_engine(central_db)
    with Session(engine) as session:
        rows = session.scalars(select(t.AuditEvent).where(
            t.AuditEvent.action == "conflict.decided").order_by(t.AuditEvent.at)).all()
    engine.dispose()
    return rows


def test_a_decided_duplicate_is_closed_until_a_third_confirmation_reopens_it(
        client, central_db, token_for):
    product, store_id, pc, headers = shop(client, central_db, token_for)
    negocio = token_for("negocio")
    clock = HybridLogicalClock()
    push(client, headers, *(confirmation(pc, store_id, product["id"], clock, KEY) for _ in range(2)))
    conflict_id = f"duplicate_document:{KEY}"
    item = listed(client, negocio)[conflict_id]
    assert (item["open"], item["decision"]) == (True, None)

    decided = client.post(DECISIONS, headers=negocio, json={
        "id": conflict_id, "decision": "accepted", "note": "  the second PC scanned it again "})
    assert decided.status_code == 201, decided.text
    body = decided.json()
    assert body["id"] == conflict_id and body["open"] is False
    decision = body["decision"]
    assert (decision["decision"], decision["note"], decision["decided_by"], decision["stale"]) == (
        "accepted", "the second PC scanned it again", "negocio", False)
    assert decision["decided_at"]
    assert listed(client, negocio)[conflict_id]["decision"] == decision
    assert conflict_id not in listed(client, negocio, open="true")
    assert conflict_id in listed(client, negocio, open="false")
    (event,) = audit_events(central_db)
    assert event.details["conflict_id"] == conflict_id and event.details["decision"] == "accepted"
    assert event.user_id == uuid.UUID(decision["decided_by_id"])

    push(client, headers, confirmation(pc, store_id, product["id"], clock, KEY))  # a late third one
    reopened = listed(client, negocio, open="true")[conflict_id]
    assert reopened["decision"]["stale"] is True and len(reopened["not_counted"]) == 2
    assert conflict_id not in listed(client, negocio, open="false")

    again = client.post(DECISIONS, headers=token_for("deposito"), json={
        "kind": "duplicate_document", "invoice_key": KEY, "decision": "dismissed"})
    assert again.status_code == 201, again.text
    assert again.json()["decision"]["decided_by"] == "deposito"
    assert listed(client, negocio)[conflict_id]["open"] is False
    assert len(audit_events(central_db)) == 2


def test_a_decided_negative_level_reopens_when_it_moves_and_leaves_when_it_is_lifted(
        client, central_db, token_for):
    product, store_id, pc, headers = shop(client, central_db, token_for)
    deposito = token_for("deposito")
    clock = HybridLogicalClock()
    push(client, headers, *(sale(pc, store_id, product["id"], clock) for _ in range(2)))
    conflict_id = f"negative_stock:{store_id}:{product['id']}"
    item = listed(client, deposito)[conflict_id]
    assert (item["quantity"], item["store"], item["product_id"]) == (-2, "S1", product["id"])

    decided = client.post(DECISIONS, headers=deposito, json={
        "kind": "negative_stock", "store": "S1", "product_id": product["id"],
        "decision": "adjusted", "note": "count tomorrow"})
    assert decided.status_code == 201, decided.text
    assert decided.json()["open"] is False
    assert listed(client, deposito, open="true") == {}
    assert listed(client, deposito, store="S1", open="false").keys() == {conflict_id}
    assert listed(client, deposito, store="S2") == {}
    assert audit_events(central_db)[0].store_id == store_id

    push(client, headers, sale(pc, store_id, product["id"], clock))  # further negative
    reopened = listed(client, deposito, open="true")[conflict_id]
    assert reopened["quantity"] == -3 and reopened["decision"]["stale"] is True

    moved(client, deposito, "S1", "Y1", "intake", 5)
    assert listed(client, deposito) == {}  # lifted: no conflict left to decide on
    gone = client.post(DECISIONS, headers=deposito, json={"id": conflict_id, "decision": "accepted"})
    assert gone.status_code == 404


def test_a_decision_names_one_conflict_and_a_known_code(client, token_for):
    h = token_for("negocio")
    product_id = str(uuid.uuid4())

    def fields(body):
        response = client.post(DECISIONS, headers=h, json=body)
        assert response.status_code == 422, response.text
        return [problem["field"] for problem in response.json()["detail"]]

    assert fields({"id": f"duplicate_document:{KEY}", "decision": "maybe"}) == ["decision"]
    assert fields({"id": f"duplicate_document:{KEY}", "decision": "accepted",
                   "note": "x" * 501}) == ["note"]
    assert fields({"decision": "accepted"}) == ["kind"]
    assert fields({"id": "nonsense", "decision": "accepted"}) == ["id"]
    assert fields({"id": f"duplicate_document:{KEY}", "kind": "duplicate_document",
                   "decision": "accepted"}) == ["kind"]
    assert fields({"kind": "duplicate_document", "decision": "accepted"}) == ["invoice_key"]
    assert fields({"kind": "negative_stock", "store": "S1", "decision": "accepted"}) == [
        "product_id"]
    assert fields({"kind": "negative_stock", "store": "S9", "product_id": product_id,
                   "decision": "accepted"}) == ["store"]
    missing = client.post(DECISIONS, headers=h, json={
        "kind": "negative_stock", "store": "S1", "product_id": product_id, "decision": "accepted"})
    assert missing.status_code == 404
    assert client.post(DECISIONS, headers=login(client, "cajero1"), json={
        "id": f"duplicate_document:{KEY}", "decision": "accepted"}).status_code == 403
