import time
import uuid

from shared.domain.ids import as_uuid, new_id


def test_ids_are_version_7_with_the_rfc_variant():
    for _ in range(1000):
        value = new_id()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122


def test_ids_carry_the_creation_millisecond_and_sort_by_it():
    before = time.time_ns() // 1_000_000
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= first.int >> 80 <= after
    assert first < second


def test_ids_are_unique():
    assert len({new_id() for _ in range(100_000)}) == 100_000


def test_text_ids_are_accepted():
    value = new_id()
    assert as_uuid(str(value)) == value and as_uuid(value) is value
