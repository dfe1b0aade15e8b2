import uuid

from shared.ops.model import Operation, OpKind
from sync.rules import RefusalCode, authorize_store_write, visible_to_store

S1, S2 = uuid.uuid4(), uuid.uuid4()
PC = uuid.uuid4()


def op(entity, payload, *, kind=OpKind.APPEND, store=S1, device=PC):
    return Operation(uuid.uuid4(), 1, device, None, kind, entity, uuid.uuid4(), store, payload)


def code(operation, device=PC):
    refusal = authorize_store_write(operation, S1, device)
    return None if refusal is None else refusal.code


def test_a_store_writes_its_own_ledger_and_documents():
    assert code(op("stock_movement", {"store_id": str(S1)})) is None
    assert code(op("invoice_confirmation", {"store_id": str(S1)})) is None
    assert code(op("supplier_invoice", {}, kind=OpKind.UPSERT)) is None


def test_a_store_never_writes_for_another_store():
    assert code(op("stock_movement", {"store_id": str(S2)})) is RefusalCode.WRONG_STORE
    assert code(op("stock_movement", {"store_id": str(S2)}, store=S2)) is RefusalCode.WRONG_STORE


def test_the_catalog_and_prices_are_hqs():
    assert code(op("price", {})) is RefusalCode.FORBIDDEN_ENTITY
    assert code(op("product", {"name": "x"}, kind=OpKind.UPSERT)) is RefusalCode.FORBIDDEN_ENTITY
    assert code(op("user", {}, kind=OpKind.UPSERT)) is RefusalCode.FORBIDDEN_ENTITY
    assert code(op("pricing_rule", {}, kind=OpKind.UPSERT)) is RefusalCode.FORBIDDEN_ENTITY


def test_provisional_products_are_allowed_but_not_hq_fields():
    assert code(op("product", {"provisional": True, "name": "?"}, kind=OpKind.UPSERT)) is None
    hq_field = op("product", {"provisional": True, "archived": True}, kind=OpKind.UPSERT)
    assert code(hq_field) is RefusalCode.FORBIDDEN_ENTITY


def test_a_pc_pushes_its_own_operations_an_edge_forwards_its_stores():
    other_pc = op("stock_movement", {"store_id": str(S1)}, device=uuid.uuid4())
    assert code(other_pc) is RefusalCode.WRONG_DEVICE
    assert code(other_pc, device=None) is None


def test_scope_of_what_a_store_receives():
    assert visible_to_store(op("product", {}, store=None), S1)
    assert visible_to_store(op("stock_movement", {}, store=S1), S1)
    assert not visible_to_store(op("stock_movement", {}, store=S2), S1)
    assert not visible_to_store(op("user", {}, store=None), S1)  # HQ staff
    assert visible_to_store(op("user", {}, store=S1), S1)  # the store's own staff
