import uuid
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.ledger import Count, Movement, stock_level, stock_levels

STORE = uuid.UUID(int=1)
OTHER_STORE = uuid.UUID(int=2)
PRODUCT = uuid.UUID(int=10)
DEV_A, DEV_B = uuid.UUID(int=100), uuid.UUID(int=200)


def key(hlc, device=DEV_A, op=None):
    return (hlc, device, uuid.UUID(int=op if op is not None else hlc))


def mv(hlc, qty, invoice=None, device=DEV_A, op=None, store=STORE):
    return Movement(store, PRODUCT, key(hlc, device, op), qty, invoice)


def test_level_is_the_sum_of_movements_without_counts():
    assert stock_level([mv(1, 12_000), mv(2, -2_000), mv(3, -350)]) == 9_650


def test_a_count_replaces_everything_before_it_and_later_movements_add():
    movements = [mv(1, 10_000), mv(3, -1_000), mv(5, -2_000)]
    counts = [Count(STORE, PRODUCT, key(4), 7_000)]
    assert stock_level(movements, counts) == 5_000


def test_a_movement_synced_late_but_made_before_the_count_does_not_change_the_level():
    counts = [Count(STORE, PRODUCT, key(10, DEV_B), 4_000)]
    late_sale_made_earlier = mv(8, -1_000)
    assert stock_level([late_sale_made_earlier], counts) == 4_000


def test_the_latest_count_wins_whatever_order_counts_arrive_in():
    counts = [Count(STORE, PRODUCT, key(9), 3_000), Count(STORE, PRODUCT, key(4), 50_000)]
    assert stock_level([mv(6, 1_000), mv(11, 500)], counts) == 3_500


def test_the_same_invoice_confirmed_on_two_pcs_counts_once():
    first = mv(5, 12_000, invoice="30712345671-1-3-1234", device=DEV_B, op=50)
    second = mv(7, 12_000, invoice="30712345671-1-3-1234", device=DEV_A, op=70)
    assert stock_level([second, first]) == 12_000


def test_a_credit_note_with_the_same_numbers_is_another_document():
    invoice = mv(5, 12_000, invoice="30712345671-1-3-1234", op=50)
    credit_note = mv(6, -2_000, invoice="30712345671-3-3-1234", op=60)
    assert stock_level([invoice, credit_note]) == 10_000


def test_duplicate_confirmation_in_another_store_does_not_count_there():
    first = mv(5, 12_000, invoice="K", op=50)
    second = mv(6, 12_000, invoice="K", op=60, store=OTHER_STORE)
    levels = stock_levels([first, second])
    assert levels.get((STORE, PRODUCT)) == 12_000
    assert levels.get((OTHER_STORE, PRODUCT), 0) == 0


def test_a_multi_line_document_counts_all_lines_of_the_first_confirmation():
    lines_first = [mv(5, 1_000, invoice="K", op=50), mv(5, 2_000, invoice="K", op=50)]
    lines_again = [mv(9, 1_000, invoice="K", op=90), mv(9, 2_000, invoice="K", op=90)]
    assert stock_level(lines_again + lines_first) == 3_000


ledger_entries = st.lists(
    st.tuples(
        st.sampled_from(["move", "count"]),
        st.integers(1, 30),  # hlc
        st.sampled_from([DEV_A, DEV_B]),
        st.integers(-50_000, 50_000),
        st.sampled_from([None, None, "K1", "K2"]),
        st.sampled_from([STORE, OTHER_STORE]),
        st.integers(0, 10**6),
    ),
    max_size=40,
    unique_by=lambda entry: entry[6],
)


def split(entries):
    movements, counts = [], []
    for kind, hlc, device, qty, invoice, store, op in entries:
        order = (hlc, device, uuid.UUID(int=op))
        if kind == "move":
            movements.append(Movement(store, PRODUCT, order, qty, invoice))
        else:
            counts.append(Count(store, PRODUCT, order, abs(qty)))
    return movements, counts


@settings(max_examples=300)
@given(ledger_entries, st.randoms(use_true_random=False))
def test_the_level_does_not_depend_on_arrival_order(entries, random):
    movements, counts = split(entries)
    reference = stock_levels(movements, counts)
    random.shuffle(movements)
    random.shuffle(counts)
    assert stock_levels(movements, counts) == reference


@given(st.lists(st.decimals(min_value=-1000, max_value=1000, places=3,
                            allow_nan=False, allow_infinity=False), max_size=50))
def test_arithmetic_is_exact(quantities):
    movements = [mv(i + 1, int(q * 1000)) for i, q in enumerate(quantities)]
    expected = sum(quantities, Decimal(0))
    assert Decimal(stock_level(movements)) / 1000 == expected


@given(ledger_entries)
def test_only_the_first_confirmation_of_a_document_counts(entries):
    movements, _ = split(entries)
    without_invoices = [m for m in movements if m.invoice_key is None]
    expected: dict = {}
    for m in without_invoices:
        expected[(m.store_id, m.product_id)] = expected.get((m.store_id, m.product_id), 0) + m.qty_milli
    for invoice in ("K1", "K2"):
        docs = [m for m in movements if m.invoice_key == invoice]
        if docs:
            first = min(docs, key=lambda m: m.order_key)
            for m in docs:
                if m.order_key[2] == first.order_key[2]:
                    pair = (m.store_id, m.product_id)
                    expected[pair] = expected.get(pair, 0) + m.qty_milli
    levels = stock_levels(movements)
    for pair in set(expected) | set(levels):
        assert levels.get(pair, 0) == expected.get(pair, 0)
