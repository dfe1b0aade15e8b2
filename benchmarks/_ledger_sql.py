"""Server-side generation of a synthetic stock ledger (PostgreSQL only).

Every value is a function of the row number ``n`` (``hashint8extended`` for the
pseudo-random parts, ``md5(...)::uuid`` for ids), so a run is reproducible and the
data never travels through Python. The layout:

* ``n % 100 = 37`` rows (1 %) are invoice lines: in each block of 1,000 rows, slots 0-4
  are the five lines of one confirmation, slots 5-9 the five lines of a second one.
  In one block of ten the second confirmation is of the *same* invoice (another PC
  of the store confirmed it again: another op id, same invoice key, same lines), so
  the duplicate rule must drop one of them. In half of those the repeat comes from the
  next store and carries the earlier clock reading, so the rows inserted first are not
  the ones that count, and the stock lands in the other store.
* every other row is an ordinary movement of a pseudo-random (store, product) pair:
  80 % sales (negative), 8 % intakes, then returns, adjustments (either sign),
  waste, transfers out and in, supplier returns; products with ``p % 25 = 0`` are
  weighed, their quantities in grams.
* ``hlc`` packs wall-clock milliseconds as the product does (``ms << 16``), 3 s per
  row, so it increases with ``n``; a confirmation's lines share one reading.
* count entries sit at the clock reading of a movement (ties on ``hlc`` are broken
  by device and op id); half of them count exactly that movement's pair.
"""

from __future__ import annotations

STORES = 20
PRODUCTS = 5_000
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
STEP_MS = 3_000

MOVEMENT_COLUMNS = ("id", "store_id", "product_id", "kind", "qty_milli", "unit_cost_cents",
                    "reason", "reference", "invoice_key", "document_id", "transfer_id",
                    "occurred_at", "op_id", "hlc", "device_id", "user_id")


def _hash(expression: str, seed: int) -> str:
    """A non-negative pseudo-random int from a bigint expression."""
    return f"(hashint8extended(({expression})::bigint, {seed}) & 2147483647)"


def _hlc(row: str) -> str:
    return f"(({BASE_MS}::bigint + ({row})::bigint * {STEP_MS}) * 65536)"


def _uuid(prefix: str, *parts: str) -> str:
    joined = " || '-' || ".join(f"({p})::text" for p in parts)
    return f"md5('{prefix}-' || {joined})::uuid"


def _regular_pair(row: str) -> tuple[str, str]:
    """(store index, product index) of an ordinary movement at row ``row``."""
    h = _hash(row, 1)
    return f"({h} % {STORES})", f"(({h} / {STORES}) % {PRODUCTS})"


def movements_sql(first: int, last: int) -> str:
    """INSERT rows ``first``..``last`` (inclusive) of the ledger into stock_movements."""
    store, product = _regular_pair("n")
    r = _hash("n", 2)
    doc_key = "(grp * 2 + half_doc)"
    line_product = f"(({_hash(doc_key, 3)} + line * 997) % {PRODUCTS})"
    regular_kind = """CASE WHEN roll < 80 THEN 2 WHEN roll < 88 THEN 1 WHEN roll < 91 THEN 3
        WHEN roll < 94 THEN 5 WHEN roll < 97 THEN 8 WHEN roll < 98 THEN 6
        WHEN roll < 99 THEN 7 ELSE 4 END"""
    # units: 1..5 (sales), 6..48 (intakes); weighed products in grams
    regular_qty = """CASE
        WHEN roll < 80 THEN -(CASE WHEN weighed THEN 100 + x % 900 ELSE 1000 * (1 + x % 5) END)
        WHEN roll < 88 THEN CASE WHEN weighed THEN 1000 + x % 9000 ELSE 1000 * (6 + x % 43) END
        WHEN roll < 91 THEN 1000
        WHEN roll < 94 THEN 1000 * (1 + x % 5) * (CASE WHEN (x / 5) % 2 = 0 THEN -1 ELSE 1 END)
        WHEN roll < 97 THEN -1000
        WHEN roll < 98 THEN -1000 * (1 + x % 10)
        WHEN roll < 99 THEN 1000 * (1 + x % 10)
        ELSE -1000 END"""
    invoice_hlc_row = """CASE WHEN half = 0 THEN grp * 1000 + 37
        WHEN late_repeat THEN grp * 1000 + 36
        ELSE grp * 1000 + 537 END"""
    invoice_key = (f"'3071' || lpad(({doc_key} % 200)::text, 6, '0') || '-001-' || "
                   f"lpad((1 + {doc_key} % 7)::text, 5, '0') || '-' || "
                   f"lpad({doc_key}::text, 8, '0')")
    return f"""
INSERT INTO stock_movements ({", ".join(MOVEMENT_COLUMNS)})
SELECT {_uuid("mv", "n")},
       {_uuid("store", "s")}, {_uuid("product", "p")},
       kind, qty, CASE WHEN kind = 1 THEN 1000 + x % 90000 END,
       CASE WHEN kind = 5 THEN 'ajuste de inventario' WHEN kind = 8 THEN 'rotura' END,
       CASE WHEN is_invoice THEN 'FC A 00001-' || lpad({doc_key}::text, 8, '0') END,
       CASE WHEN is_invoice THEN {invoice_key} END,
       CASE WHEN is_invoice THEN {_uuid("doc", doc_key, "half")} END,
       CASE WHEN kind IN (6, 7) THEN {_uuid("transfer", "n")} END,
       to_timestamp((hlc >> 16) / 1000.0),
       CASE WHEN is_invoice THEN {_uuid("confirmation", "grp", "half")} ELSE {_uuid("op", "n")} END,
       hlc, {_uuid("device", "s", "device_no")}, NULL
FROM (
  SELECT *,
         CASE WHEN is_invoice THEN 1 ELSE {regular_kind} END AS kind,
         CASE WHEN is_invoice THEN 1000 * (6 + {_hash(f"{doc_key} * 10 + line", 4)} % 43)
              ELSE {regular_qty} END AS qty,
         CASE WHEN is_invoice THEN {_hlc(invoice_hlc_row)} ELSE {_hlc("n")} END AS hlc
  FROM (
    SELECT *,
           CASE WHEN is_invoice THEN (grp + CASE WHEN late_repeat THEN 1 ELSE 0 END) % {STORES}
                ELSE {store} END AS s,
           CASE WHEN is_invoice THEN {line_product} ELSE {product} END AS p,
           ({product}) % 25 = 0 AND NOT is_invoice AS weighed,
           CASE WHEN is_invoice THEN half ELSE ({_hash("n", 5)} % 2) END AS device_no
    FROM (
      SELECT *, CASE WHEN half = 1 AND NOT duplicate THEN 1 ELSE 0 END AS half_doc,
             half = 1 AND duplicate AND grp % 20 = 10 AS late_repeat
      FROM (
        SELECT n, n % 100 = 37 AS is_invoice, n / 1000 AS grp, ((n % 1000) / 100) / 5 AS half,
               ((n % 1000) / 100) % 5 AS line, (n / 1000) % 10 = 0 AS duplicate,
               {r} % 100 AS roll, {r} / 100 AS x
        FROM generate_series({first}::bigint, {last}::bigint) AS n
      ) a
    ) b
  ) c
) d
"""


def counts_sql(count: int, movements: int) -> str:
    """INSERT ``count`` count entries spread over the ledger's clock."""
    step = max(movements // max(count, 1), 1)
    store, product = _regular_pair("anchor")
    h = _hash("c", 6)
    return f"""
INSERT INTO count_entries (id, store_id, product_id, qty_milli, count_session_id, counted_at,
                           op_id, hlc, device_id, user_id)
SELECT {_uuid("count", "c")}, {_uuid("store", "s")}, {_uuid("product", "p")},
       1000 * ({_hash("c", 7)} % 200), {_uuid("count-session", "s", "c / 500")},
       to_timestamp(({_hlc("anchor")} >> 16) / 1000.0),
       {_uuid("count-op", "c")}, {_hlc("anchor")}, {_uuid("device", "s", "c % 2")}, NULL
FROM (
  SELECT c, anchor,
         CASE WHEN c % 2 = 0 THEN {store} ELSE {h} % {STORES} END AS s,
         CASE WHEN c % 2 = 0 THEN {product} ELSE ({h} / {STORES}) % {PRODUCTS} END AS p
  FROM (SELECT c, LEAST(c * {step}, {movements}) AS anchor
        FROM generate_series(1, {count}) AS c) a
) b
"""


def confirmations_sql() -> str:
    """INSERT one invoice confirmation per confirmation operation of the generated lines.

    The duplicate rule ranks confirmations (docs/sync-protocol.md), so every invoice line
    needs the confirmation its operation appended with it.
    """
    return """
INSERT INTO invoice_confirmations (id, invoice_id, invoice_key, store_id, confirmed_at,
                                   op_id, hlc, device_id, user_id)
SELECT DISTINCT ON (op_id) md5('confirmation-row-' || op_id::text)::uuid, document_id,
       invoice_key, store_id, occurred_at, op_id, hlc, device_id, NULL
FROM stock_movements WHERE invoice_key IS NOT NULL
ORDER BY op_id
"""
