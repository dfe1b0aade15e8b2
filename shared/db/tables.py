"""The schema: one set of tables for SQLite, SQLCipher and PostgreSQL.

Money is stored in integer cents and quantities in integer thousandths (``*_cents``,
``*_milli``): exact on every backend, SQLite included.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.base import Base, LedgerMixin, RecordMixin, utcnow

# --- identity ---------------------------------------------------------------


class Store(RecordMixin, Base):
    __tablename__ = "stores"
    code: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))


class User(RecordMixin, Base):
    __tablename__ = "users"
    username: Mapped[str | None] = mapped_column(String(80), index=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))
    store_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool | None]


class Device(Base):
    """An enrolled store PC or edge node (HQ-local, not replicated)."""

    __tablename__ = "devices"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    store_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="pc")
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    app_version: Mapped[str | None] = mapped_column(String(40))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_heartbeat: Mapped[dict[str, Any] | None]


class EnrollmentToken(Base):
    """A one-time, expiring token a device trades for its identity (HQ-local)."""

    __tablename__ = "enrollment_tokens"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    store_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    device_id: Mapped[uuid.UUID | None]
    created_by: Mapped[uuid.UUID | None]


# --- catalog ----------------------------------------------------------------


class Supplier(RecordMixin, Base):
    __tablename__ = "suppliers"
    cuit: Mapped[str | None] = mapped_column(String(11), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    provisional: Mapped[bool | None]
    archived: Mapped[bool | None]
    merged_into: Mapped[uuid.UUID | None]
    #: days from sending an order to having the goods (reorder point); None: the default
    lead_time_days: Mapped[int | None]


class Product(RecordMixin, Base):
    __tablename__ = "products"
    sku: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(120), index=True)
    unit: Mapped[str | None] = mapped_column(String(10))
    vat_rate: Mapped[str | None] = mapped_column(String(5))
    min_stock_milli: Mapped[int | None]
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    last_cost_cents: Mapped[int | None]
    provisional: Mapped[bool | None]
    archived: Mapped[bool | None]
    merged_into: Mapped[uuid.UUID | None]
    #: what one pack from the supplier holds (orders round up to it); None: one unit
    pack_size_milli: Mapped[int | None]


class Barcode(RecordMixin, Base):
    """One of a product's barcodes; a scale item is registered with its value zeroed."""

    __tablename__ = "barcodes"
    code: Mapped[str | None] = mapped_column(String(14), index=True)
    product_id: Mapped[uuid.UUID | None] = mapped_column(index=True)


class Price(LedgerMixin, Base):
    """A shelf price (VAT included) from a date on; ``store_id`` NULL means chain-wide.

    Prices are appended, never edited: the price on a day is the entry with the latest
    ``effective_from`` not after it, a store's own entry before a chain-wide one on the
    same date, the later operation on a tie. The history stays for relabelling and audit.
    """

    __tablename__ = "prices"
    product_id: Mapped[uuid.UUID] = mapped_column(index=True)
    store_id: Mapped[uuid.UUID | None]
    price_cents: Mapped[int]
    effective_from: Mapped[date]


class SupplierProductCode(RecordMixin, Base):
    """A supplier's own code for one of our products, learnt from confirmed invoices."""

    __tablename__ = "supplier_product_codes"
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    supplier_code: Mapped[str | None] = mapped_column(String(64))
    product_id: Mapped[uuid.UUID | None]


class PricingRule(RecordMixin, Base):
    __tablename__ = "pricing_rules"
    name: Mapped[str | None] = mapped_column(String(120))
    scope: Mapped[str | None] = mapped_column(String(20))  # default | category | supplier
    scope_value: Mapped[str | None] = mapped_column(String(120))
    markup_bp: Mapped[int | None]  # basis points over net cost, before VAT
    rounding_step_cents: Mapped[int | None]
    ending_cents: Mapped[int | None]
    priority: Mapped[int | None]
    active: Mapped[bool | None]


class InflationIndex(RecordMixin, Base):
    """A monthly index value (CPI) scaled by 10,000; one record per month."""

    __tablename__ = "inflation_index"
    month: Mapped[date | None] = mapped_column(index=True)
    value_e4: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(String(120))


# --- stock ledger -------------------------------------------------------------


class StockMovement(LedgerMixin, Base):
    """One signed change of stock. Corrections are new rows, never edits."""

    __tablename__ = "stock_movements"
    store_id: Mapped[uuid.UUID]
    product_id: Mapped[uuid.UUID]
    kind: Mapped[int]
    qty_milli: Mapped[int]
    unit_cost_cents: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(120))
    invoice_key: Mapped[str | None] = mapped_column(String(40), index=True)
    document_id: Mapped[uuid.UUID | None]
    transfer_id: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_stock_movements_level", "store_id", "product_id", "hlc"),
        Index("ix_stock_movements_day", "store_id", "occurred_at"),
        Index("ix_stock_movements_product", "product_id", "hlc"),
        # transfers only (about 1 % of the ledger): the latest, and each one's other leg
        Index("ix_stock_movements_transfer_day", "kind", "occurred_at",
              postgresql_where=text("transfer_id IS NOT NULL"),
              sqlite_where=text("transfer_id IS NOT NULL")),
        Index("ix_stock_movements_transfer", "transfer_id",
              postgresql_where=text("transfer_id IS NOT NULL"),
              sqlite_where=text("transfer_id IS NOT NULL")),
        # invoice lines and purchase orders received: a document's movements
        Index("ix_stock_movements_document", "document_id",
              postgresql_where=text("document_id IS NOT NULL"),
              sqlite_where=text("document_id IS NOT NULL")),
    )


class CountSession(RecordMixin, Base):
    __tablename__ = "count_sessions"
    store_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str | None] = mapped_column(String(20))  # open | committed | cancelled
    started_at: Mapped[datetime | None]
    committed_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)


class CountEntry(LedgerMixin, Base):
    """An observation "Q units at time t"; its hlc is when the item was counted."""

    __tablename__ = "count_entries"
    store_id: Mapped[uuid.UUID]
    product_id: Mapped[uuid.UUID]
    qty_milli: Mapped[int]
    count_session_id: Mapped[uuid.UUID | None]
    counted_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_count_entries_level", "store_id", "product_id", "hlc"),)


class StockLevel(Base):
    """Cache of the ledger's level per store and product; rebuildable at any time."""

    __tablename__ = "stock_levels"
    store_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    qty_milli: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- documents ------------------------------------------------------------------


class SupplierInvoice(RecordMixin, Base):
    """A supplier invoice or credit note as read or typed; confirmed by an append."""

    __tablename__ = "supplier_invoices"
    store_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    issuer_cuit: Mapped[str | None] = mapped_column(String(11))
    afip_code: Mapped[int | None]
    point_of_sale: Mapped[int | None]
    number: Mapped[int | None]
    invoice_key: Mapped[str | None] = mapped_column(String(40), index=True)
    issued_on: Mapped[date | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    net_cents: Mapped[int | None]
    vat_cents: Mapped[int | None]
    total_cents: Mapped[int | None]
    cae: Mapped[str | None] = mapped_column(String(20))
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    extracted: Mapped[dict[str, Any] | None]


class InvoiceLine(RecordMixin, Base):
    __tablename__ = "invoice_lines"
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    line_no: Mapped[int | None]
    product_id: Mapped[uuid.UUID | None]
    supplier_code: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(300))
    qty_milli: Mapped[int | None]
    unit_cost_cents: Mapped[int | None]
    amount_cents: Mapped[int | None]
    vat_rate: Mapped[str | None] = mapped_column(String(5))


class InvoiceConfirmation(LedgerMixin, Base):
    """Confirming a document: its stock movements are appended by the same operation.

    The same document (issuer CUIT, AFIP type code, point of sale, number) confirmed
    twice counts once: the first confirmation in operation order.
    """

    __tablename__ = "invoice_confirmations"
    invoice_id: Mapped[uuid.UUID] = mapped_column(index=True)
    invoice_key: Mapped[str] = mapped_column(String(40), index=True)
    store_id: Mapped[uuid.UUID]
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PurchaseOrder(RecordMixin, Base):
    __tablename__ = "purchase_orders"
    store_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)


class PurchaseOrderLine(RecordMixin, Base):
    __tablename__ = "purchase_order_lines"
    order_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    product_id: Mapped[uuid.UUID | None]
    qty_milli: Mapped[int | None]
    unit_cost_cents: Mapped[int | None]


# --- operations and audit -------------------------------------------------------------


class OperationRow(Base):
    """The operation log: every change to synced data, in the order it was applied here."""

    __tablename__ = "operations"
    op_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    hlc: Mapped[int]
    device_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID | None]
    kind: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID]
    store_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: on a sync server: the order operations are served to pulls, assigned after commit
    seq: Mapped[int | None] = mapped_column(unique=True)

    __table_args__ = (
        Index("ix_operations_order", "hlc", "device_id", "op_id"),
        Index("ix_operations_entity", "entity", "entity_id"),
        Index("ix_operations_store_seq", "store_id", "seq"),
    )


class OutboxEntry(Base):
    """On a sync client: the state of each operation this replica made, until accepted."""

    __tablename__ = "outbox"
    op_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending | accepted | refused
    code: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Events that are not data changes (sign-ins, refusals, key use); writes are audited
    by the operation log itself, which records user, device, what and when."""

    __tablename__ = "audit_events"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None]
    device_id: Mapped[uuid.UUID | None]
    store_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID | None]
    details: Mapped[dict[str, Any] | None]


class ConflictDecision(Base):
    """A reviewer's decision on a domain conflict (HQ-local, not replicated).

    Decisions are appended: the latest for a ``conflict_id`` is the one shown.
    ``fingerprint`` is the conflict's state when it was decided; a later operation that
    changes the conflict changes its fingerprint, and the conflict is open again.
    """

    __tablename__ = "conflict_decisions"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    conflict_id: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    invoice_key: Mapped[str | None] = mapped_column(String(40))
    store_id: Mapped[uuid.UUID | None]
    product_id: Mapped[uuid.UUID | None]
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[uuid.UUID | None]
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentCostRow(Base):
    """One product's net unit cost in one counting invoice confirmation (HQ-local cache,
    not replicated): the sums of that product's intake lines in that document.

    Derived from the ledger by ``central.negocio.cost_cache`` — the first confirmation of
    each document key in operation order, its intake movements with a cost — and redone
    per document key when another confirmation of it arrives; it can always be rebuilt.
    ``latest`` marks each product's row with the highest (hlc, device_id, op_id).
    """

    __tablename__ = "document_costs"
    op_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the confirmation's
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    invoice_key: Mapped[str] = mapped_column(String(40), index=True)
    invoice_id: Mapped[uuid.UUID]
    hlc: Mapped[int]
    device_id: Mapped[uuid.UUID]
    confirmed_at: Mapped[datetime]
    qty_milli: Mapped[int]
    #: sum of qty_milli × unit_cost_cents over the lines (the weighted cost's numerator)
    value_milli_cents: Mapped[int]
    latest: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_document_costs_product", "product_id", "hlc"),
        Index("ix_document_costs_latest", "product_id",
              postgresql_where=text("latest"), sqlite_where=text("latest")),
    )


class CostedConfirmation(Base):
    """An invoice confirmation already weighed into ``document_costs`` (HQ-local)."""

    __tablename__ = "costed_confirmations"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # invoice_confirmations.id
    invoice_key: Mapped[str] = mapped_column(String(40))


class ReplicaMeta(Base):
    """This replica's own settings: its device id, schema facts."""

    __tablename__ = "replica_meta"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class MlModel(Base):
    """A trained model in HQ's registry (the ONNX file travels as an attachment)."""

    __tablename__ = "ml_models"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))  # training | ready | failed | active
    progress_pct: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    trained_from: Mapped[date | None]
    trained_to: Mapped[date | None]
    metrics: Mapped[dict[str, Any] | None]
    onnx_sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    #: the model card (JSON) as an attachment, beside the ONNX file
    card_sha256: Mapped[str | None] = mapped_column(String(64))
    #: touched by a running job at each step; a "training" row left untouched is abandoned
    updated_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]


class ModelRelease(RecordMixin, Base):
    """The model stores use, by name (one record per name): HQ sets it on activation and
    it syncs to every store, whose PCs then download the two attachments it names."""

    __tablename__ = "model_releases"
    name: Mapped[str | None] = mapped_column(String(80))
    model_id: Mapped[uuid.UUID | None]
    version: Mapped[int | None]
    onnx_sha256: Mapped[str | None] = mapped_column(String(64))
    card_sha256: Mapped[str | None] = mapped_column(String(64))
    activated_at: Mapped[datetime | None]
