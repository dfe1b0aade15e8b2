"""Review decisions on domain conflicts: recorded, audited, reopened by a later change.

A decision is an HQ-local row (``conflict_decisions``, never replicated) holding who
decided what and when, and the conflict's fingerprint at that moment. Decisions are
appended; the latest of a conflict is the one shown. When a later operation changes
the conflict (a third confirmation of the document, another movement on the negative
level) its fingerprint no longer matches: the decision is shown as stale and the
conflict is open again, until someone decides on what it has become.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.sync.conflicts import Conflict, ConflictRef, current_conflicts, find_conflict
from shared.db import tables as t
from shared.domain.ids import new_id

NOTE_MAX_LENGTH = 500
CHUNK = 500


class Decision(StrEnum):
    """Stable codes of a review decision."""

    ACCEPTED = "accepted"  # the outcome stands as the ledger computes it
    ADJUSTED = "adjusted"  # the data was corrected (an adjustment, a count, a credit note)
    DISMISSED = "dismissed"  # not a problem worth acting on


def latest_decisions(
    session: Session, conflict_ids: Collection[str]
) -> dict[str, t.ConflictDecision]:
    """The latest decision of each conflict that has one."""
    latest: dict[str, t.ConflictDecision] = {}
    ids = sorted(set(conflict_ids))
    decision = t.ConflictDecision
    for start in range(0, len(ids), CHUNK):
        rows = session.scalars(
            select(decision).where(decision.conflict_id.in_(ids[start:start + CHUNK]))
            .order_by(decision.decided_at, decision.id)
        )
        for row in rows:
            latest[row.conflict_id] = row  # later rows replace earlier ones
    return latest


def _usernames(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    if not user_ids:
        return {}
    rows = session.execute(select(t.User.id, t.User.username).where(t.User.id.in_(user_ids)))
    return {row.id: row.username for row in rows}


def decision_views(
    session: Session, conflicts: Sequence[Conflict]
) -> dict[str, dict[str, Any]]:
    """Each decided conflict's latest decision as listed, ``stale`` when it changed since."""
    latest = latest_decisions(session, [c.ref.id for c in conflicts])
    names = _usernames(session, {row.decided_by for row in latest.values()
                                 if row.decided_by is not None})
    views = {}
    for conflict in conflicts:
        row = latest.get(conflict.ref.id)
        if row is None:
            continue
        views[conflict.ref.id] = {
            "decision": row.decision, "note": row.note, "decided_at": row.decided_at,
            "decided_by": names.get(row.decided_by) if row.decided_by else None,
            "decided_by_id": row.decided_by, "stale": row.fingerprint != conflict.fingerprint,
        }
    return views


def queue_items(session: Session, found: Sequence[Conflict]) -> list[dict[str, Any]]:
    views = decision_views(session, found)
    items = []
    for conflict in found:
        decision = views.get(conflict.ref.id)
        is_open = decision is None or bool(decision["stale"])
        items.append({**conflict.body, "open": is_open, "decision": decision})
    return items


def review_queue(
    session: Session, store_code: str | None = None, open_only: bool | None = None
) -> dict[str, Any]:
    """Every conflict as the ledger stands, with its latest decision (null when none).

    ``open_only`` True keeps conflicts without a decision or with a stale one; False
    keeps those whose decision still holds.
    """
    items = queue_items(session, current_conflicts(session, store_code))
    if open_only is not None:
        items = [item for item in items if item["open"] == open_only]
    return {"items": items, "total": len(items)}


def decide(
    session: Session, ref: ConflictRef, decision: Decision, note: str,
    *, by: uuid.UUID | None, now: datetime | None = None,
) -> dict[str, Any]:
    """Record ``decision`` on the conflict ``ref`` names, as it stands now; audited.

    Raises NotFound when the ledger shows no such conflict (never was, or resolved).
    """
    conflict = find_conflict(session, ref)
    moment = now or datetime.now(UTC)
    note = note.strip()[:NOTE_MAX_LENGTH]
    row = t.ConflictDecision(
        id=new_id(), conflict_id=ref.id, kind=ref.kind.value, invoice_key=ref.invoice_key,
        store_id=ref.store_id, product_id=ref.product_id, decision=decision.value, note=note,
        fingerprint=conflict.fingerprint, decided_by=by, decided_at=moment,
    )
    session.add(row)
    session.add(t.AuditEvent(
        id=new_id(), at=moment, user_id=by, store_id=ref.store_id, action="conflict.decided",
        entity="conflict_decision", entity_id=row.id,
        details={"conflict_id": ref.id, "decision": decision.value, "note": note,
                 "fingerprint": conflict.fingerprint},
    ))
    session.flush()
    return queue_items(session, [conflict])[0]
