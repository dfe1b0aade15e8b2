import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.ops.merge import merge_fields, replay
from shared.ops.model import Operation, OpKind, version_stamp

DEVICES = [uuid.UUID(int=i) for i in (1, 2, 3)]
RECORDS = [uuid.UUID(int=100 + i) for i in range(3)]


def make_op(hlc, device, entity_id, payload, kind=OpKind.UPSERT, op_int=None):
    return Operation(
        op_id=uuid.UUID(int=op_int if op_int is not None else hlc * 10 + device.int),
        hlc=hlc, device_id=device, user_id=None, kind=kind, entity="product",
        entity_id=entity_id, store_id=None, payload=payload,
    )


def test_later_writer_wins_per_field_and_other_fields_survive():
    record = RECORDS[0]
    early = make_op(1, DEVICES[0], record, {"name": "Yerba", "category": "Almacén"})
    late = make_op(2, DEVICES[1], record, {"name": "Yerba 1 kg"})
    for order in ([early, late], [late, early]):
        values, _ = replay(order).snapshot()
        assert values[("product", record)] == {"name": "Yerba 1 kg", "category": "Almacén"}


def test_same_hlc_is_broken_by_device_then_op_id():
    record = RECORDS[0]
    a = make_op(5, DEVICES[0], record, {"name": "A"})
    b = make_op(5, DEVICES[1], record, {"name": "B"})
    assert replay([b, a]).snapshot()[0][("product", record)]["name"] == "B"
    assert replay([a, b]).snapshot()[0][("product", record)]["name"] == "B"


def test_applying_the_same_operation_twice_changes_nothing():
    version = version_stamp(3, DEVICES[0], uuid.UUID(int=9))
    winners, versions = merge_fields({}, {"name": "x"}, version)
    again, versions_again = merge_fields(versions, {"name": "y"}, version)
    assert winners == {"name": "x"}
    assert again == {} and versions_again == versions


def test_version_stamps_sort_like_the_order_key():
    small = version_stamp(255, uuid.UUID(int=2**127), uuid.UUID(int=1))
    big = version_stamp(256, uuid.UUID(int=0), uuid.UUID(int=0))
    assert small < big


def test_a_tombstone_merges_like_any_field():
    record = RECORDS[0]
    create = make_op(1, DEVICES[0], record, {"name": "x", "deleted": False})
    delete = make_op(2, DEVICES[1], record, {"deleted": True})
    stale_edit = make_op(1, DEVICES[2], record, {"name": "y"})  # concurrent, older
    values, _ = replay([delete, stale_edit, create]).snapshot()
    assert values[("product", record)]["deleted"] is True


operations = st.lists(
    st.builds(
        make_op,
        hlc=st.integers(1, 6),
        device=st.sampled_from(DEVICES),
        entity_id=st.sampled_from(RECORDS),
        payload=st.dictionaries(st.sampled_from(["name", "category", "deleted"]),
                                st.integers(0, 3), min_size=1),
        op_int=st.integers(0, 2**64),
    ),
    max_size=25,
    unique_by=lambda op: op.op_id,
)


@settings(max_examples=200)
@given(operations, st.randoms(use_true_random=False))
def test_any_order_and_any_repetition_converge(ops, random):
    reference = replay(ops).snapshot()
    shuffled = list(ops) + random.sample(ops, k=len(ops) // 2)  # some arrive twice
    random.shuffle(shuffled)
    assert replay(shuffled).snapshot() == reference


@given(operations)
def test_round_trip_through_the_wire_form(ops):
    for op in ops:
        assert Operation.from_wire(op.to_wire()) == op
