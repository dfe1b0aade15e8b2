"""What the dashboard benchmark adds to the load benchmark's chain, so every page has data.

``_central_data.write_chain`` and ``bench_stock_rebuild.load_ledger`` give 20 stores,
5,000 products, people and the ledger (1 % of it invoice lines, a tenth of the invoices
confirmed twice). Here, on top:

* 40 suppliers and each product's supplier, pricing rules, the monthly index for the
  year, 30 provisional products, through the Recorder and the use cases (small);
* straight into the tables (``INSERT … SELECT``, nothing through Python): one
  ``supplier_invoices`` row per document of the ledger, with its lines, plus 200
  invoices not yet confirmed; the invoice lines' unit costs rising every month by 2-6 %
  depending on the supplier (so the inflation page has a gap to show); 2,000 purchase
  orders of 8 lines in every status; two devices per store (the ids the ledger's rows
  carry) with heartbeats, one revoked; 25 enrollment tokens; 100,000 audit events over
  the year. None of it changes a stock level.
"""

from __future__ import annotations

import random
import uuid

from _catalog import supplier_cuits
from _central_data import ADMIN, md5_uuid
from _ledger_sql import PRODUCTS, STORES
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from central.negocio import inflation, pricing
from central.negocio.schemas import IndexValueIn, RuleIn
from shared.db import tables as t
from shared.domain.enums import Role
from shared.ops.recorder import Recorder, load_replica
from shared.security.tokens import Principal

SUPPLIERS = 40
ORDERS = 2_000
AUDIT_EVENTS = 100_000
PROVISIONAL = 30
CATEGORY_RULES = ("Bebidas", "Limpieza")


def supplier_id(k: int) -> uuid.UUID:
    return md5_uuid(f"supplier-{k}")


def write_records(engine: Engine, seed: int = 7) -> None:
    """Suppliers (and each product's), pricing rules, the index, provisional products."""
    rng = random.Random(seed)
    cuits = supplier_cuits(rng, SUPPLIERS)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        admin = session.scalars(select(t.User).where(t.User.username == ADMIN)).one()
        principal = Principal(admin.id, Role.ADMIN, None, ADMIN)
        with recorder.batch():
            for k, cuit in enumerate(cuits):
                recorder.upsert("supplier", supplier_id(k), {
                    "cuit": cuit, "name": f"Distribuidora {k + 1:02d} S.A.",
                    "provisional": False, "archived": False, "merged_into": None,
                    "lead_time_days": 2 + k % 5})
            for p in range(PRODUCTS):
                recorder.upsert("product", md5_uuid(f"product-{p}"),
                                {"supplier_id": supplier_id(p % SUPPLIERS)})
            for n in range(PROVISIONAL):
                recorder.upsert("product", md5_uuid(f"provisional-{n}"), {
                    "sku": f"PROV-{n:03d}", "name": f"Producto nuevo {n} (caja)",
                    "category": None, "unit": "unit", "vat_rate": "21",
                    "min_stock_milli": 0, "last_cost_cents": None, "supplier_id": None,
                    "provisional": True, "archived": False, "merged_into": None},
                    store_id=md5_uuid(f"store-{n % STORES}"))
        pricing.create_rule(session, recorder, principal, RuleIn(
            name="General", markup_pct=45, rounding_step=10, ending=0))
        for priority, category in enumerate(CATEGORY_RULES, start=1):
            pricing.create_rule(session, recorder, principal, RuleIn(
                name=category, scope="category", scope_value=category, markup_pct=35 + priority,
                rounding_step=10, ending=0, priority=priority))
        value = 100.0
        for month in range(1, 13):
            inflation.put_month(session, recorder, principal, f"2026-{month:02d}",
                                IndexValueIn(value=f"{value:.2f}", source="INDEC"))
            value *= 1.025
        session.execute(text("CREATE TABLE bench_suppliers (k int PRIMARY KEY, id uuid, "
                             "cuit text)"))
        session.execute(text("INSERT INTO bench_suppliers VALUES (:k, :id, :cuit)"),
                        [{"k": k, "id": supplier_id(k), "cuit": cuit}
                         for k, cuit in enumerate(cuits)])


SUPPLIER_OF_DOCUMENT = f"((hashtext(document_id::text) & 2147483647) % {SUPPLIERS})"

#: Invoice lines: a per-product base cost rising each month at the supplier's pace.
RISING_COSTS = f"""
UPDATE stock_movements
SET unit_cost_cents = round((2000 + (hashtext(product_id::text) & 65535))
    * power(1.02 + 0.01 * ({SUPPLIER_OF_DOCUMENT} % 5),
            extract(epoch FROM occurred_at - timestamptz '2026-01-01') / 2629800.0))
WHERE invoice_key IS NOT NULL
"""

INVOICES = f"""
INSERT INTO supplier_invoices (id, deleted, field_versions, store_id, supplier_id, issuer_cuit,
    afip_code, point_of_sale, number, invoice_key, issued_on, currency, net_cents, vat_cents,
    total_cents, cae, photo_sha256, extracted)
SELECT d.document_id, false, '{{}}'::jsonb, d.store_id, s.id, s.cuit, 1, d.pos, d.number,
       d.invoice_key, d.issued_on, 'ARS', d.net, d.net * 21 / 100, d.net * 121 / 100,
       lpad((abs(hashtext(d.document_id::text)))::text, 14, '7'), NULL,
       jsonb_build_object('source', 'bench')
FROM (
  SELECT document_id, (array_agg(store_id))[1] AS store_id, min(invoice_key) AS invoice_key,
         min(occurred_at)::date AS issued_on, sum(qty_milli * unit_cost_cents / 1000) AS net,
         1 + (hashtext(min(invoice_key)) & 7) AS pos,
         (hashtext(document_id::text) & 1048575) AS number,
         {SUPPLIER_OF_DOCUMENT} AS k
  FROM stock_movements WHERE invoice_key IS NOT NULL GROUP BY document_id
) d JOIN bench_suppliers s ON s.k = d.k
"""

INVOICE_LINES = """
INSERT INTO invoice_lines (id, deleted, field_versions, invoice_id, line_no, product_id,
    supplier_code, description, qty_milli, unit_cost_cents, amount_cents, vat_rate)
SELECT md5('line-' || m.id::text)::uuid, false, '{}'::jsonb, m.document_id,
       row_number() OVER (PARTITION BY m.document_id ORDER BY m.id), m.product_id,
       'C' || substr(m.product_id::text, 1, 6), p.name, m.qty_milli, m.unit_cost_cents,
       m.qty_milli * m.unit_cost_cents / 1000, '21'
FROM stock_movements m JOIN products p ON p.id = m.product_id
WHERE m.invoice_key IS NOT NULL
"""

DRAFT_INVOICES = f"""
INSERT INTO supplier_invoices (id, deleted, field_versions, store_id, supplier_id, issuer_cuit,
    afip_code, point_of_sale, number, invoice_key, issued_on, currency, net_cents, vat_cents,
    total_cents, extracted)
SELECT md5('draft-invoice-' || i)::uuid, false, '{{}}'::jsonb,
       md5('store-' || (i % {STORES}))::uuid, s.id, s.cuit, 1, 9, 900000 + i,
       s.cuit || '-001-00009-' || lpad((900000 + i)::text, 8, '0'),
       date '2026-11-01' + (i % 27), 'ARS', 100000 + i * 1000, 21000 + i * 210,
       121000 + i * 1210, jsonb_build_object('source', 'bench')
FROM generate_series(0, 199) AS i JOIN bench_suppliers s ON s.k = i % {SUPPLIERS}
"""

ORDERS_SQL = f"""
INSERT INTO purchase_orders (id, deleted, field_versions, store_id, supplier_id, status,
    created_at, sent_at, received_at, notes)
SELECT md5('po-' || o)::uuid, false, '{{}}'::jsonb, md5('store-' || (o % {STORES}))::uuid, s.id,
       st, at, CASE WHEN st IN ('sent', 'received') THEN at + interval '2 hours' END,
       CASE WHEN st = 'received' THEN at + interval '3 days' END, 'Pedido ' || o
FROM (SELECT o, timestamptz '2026-01-02' + o * interval '4 hours' AS at,
             CASE o % 10 WHEN 0 THEN 'draft' WHEN 1 THEN 'sent' WHEN 2 THEN 'cancelled'
                  ELSE 'received' END AS st
      FROM generate_series(0, {ORDERS - 1}) AS o) x
JOIN bench_suppliers s ON s.k = o % {SUPPLIERS}
"""

ORDER_LINES = f"""
INSERT INTO purchase_order_lines (id, deleted, field_versions, order_id, product_id, qty_milli,
    unit_cost_cents)
SELECT md5('po-line-' || l)::uuid, false, '{{}}'::jsonb, md5('po-' || (l / 8))::uuid,
       md5('product-' || ((l * 37) % {PRODUCTS}))::uuid, 1000 * (6 + l % 24),
       2000 + (l * 131) % 60000
FROM generate_series(0, {ORDERS * 8 - 1}) AS l
"""

DEVICES = f"""
INSERT INTO devices (id, store_id, name, kind, secret_hash, app_version, enrolled_at,
    revoked_at, last_seen_at, last_heartbeat)
SELECT md5('device-' || s || '-' || n)::uuid, md5('store-' || s)::uuid, 'Caja ' || (n + 1),
       'pc', NULL, '0.1.' || (s % 3), timestamptz '2026-01-01' + s * interval '1 day',
       CASE WHEN s = 7 AND n = 1 THEN now() - interval '3 days' END,
       now() - (s * 7 + n * 3) * interval '1 minute',
       jsonb_build_object('pending', (s * 3 + n) % 11,
                          'refused', CASE WHEN s % 6 = 0 THEN 2 ELSE 0 END,
                          'clock_offset_ms', (s * 137 + n * 59) % 900 - 450,
                          'app_version', '0.1.' || (s % 3))
FROM generate_series(0, {STORES - 1}) AS s, generate_series(0, 1) AS n
"""

TOKENS = f"""
INSERT INTO enrollment_tokens (id, store_id, token_hash, created_at, expires_at, used_at,
    device_id, created_by)
SELECT md5('token-' || i)::uuid, md5('store-' || (i % {STORES}))::uuid, md5('token-hash-' || i),
       now() - i * interval '1 day', now() - i * interval '1 day' + interval '24 hours',
       CASE WHEN i % 3 > 0 THEN now() - i * interval '1 day' + interval '1 hour' END, NULL, NULL
FROM generate_series(0, 24) AS i
"""

AUDIT = f"""
INSERT INTO audit_events (id, at, user_id, device_id, store_id, action, entity, entity_id, details)
SELECT md5('audit-' || e)::uuid,
       timestamptz '2026-01-01' + e * (interval '1 second' * (28500000.0 / {AUDIT_EVENTS})),
       CASE WHEN e % 10 < 9 THEN u.ids[1 + e % cardinality(u.ids)] END,
       CASE WHEN e % 10 = 9 THEN md5('device-' || (e % {STORES}) || '-' || (e % 2))::uuid END,
       md5('store-' || (e % {STORES}))::uuid,
       CASE WHEN e % 10 < 7 THEN 'auth.signed_in' WHEN e % 10 = 7 THEN 'auth.failed'
            WHEN e % 10 = 8 THEN 'device.enrolled' ELSE 'sync.refused' END,
       CASE WHEN e % 10 < 8 THEN 'user' ELSE 'device' END, NULL,
       jsonb_build_object('client', '10.0.' || (e % 20) || '.' || (e % 250))
FROM generate_series(0, {AUDIT_EVENTS - 1}) AS e,
     (SELECT array_agg(id ORDER BY username) AS ids FROM users) AS u
"""


def write_tables(engine: Engine) -> dict[str, int]:
    """The straight-into-the-tables part, in one transaction; the row counts it wrote."""
    written: dict[str, int] = {}
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        for name, statement in (("rising_costs", RISING_COSTS), ("invoices", INVOICES),
                                ("invoice_lines", INVOICE_LINES),
                                ("draft_invoices", DRAFT_INVOICES), ("orders", ORDERS_SQL),
                                ("order_lines", ORDER_LINES), ("devices", DEVICES),
                                ("tokens", TOKENS), ("audit_events", AUDIT)):
            written[name] = connection.execute(text(statement)).rowcount
        connection.execute(text("DROP TABLE bench_suppliers"))
    return written
