"""The ml agent on PostgreSQL: a training job in the background, the registry, the active
model's forecasts and reorder suggestions, and draft purchase orders by supplier."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as day_time

import pytest
from sqlalchemy import select

from central.ml import jobs
from shared.db import tables as t
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.settings import BUSINESS_TIMEZONE
from sync.attachments import AttachmentStore
from tests.integration.central.api.test_negocio_support import committed
from tests.integration.central.ml_fixtures import *  # noqa: F403 - the app on PostgreSQL

TODAY = datetime.now(UTC).astimezone(BUSINESS_TIMEZONE).date()
DAYS = 120  # enough for a 3-origin backtest of 7 days (84 + 4 × 7)
# few, small trees: each job takes seconds (four fits: three backtest origins and the last)
SMALL = {"max_iter": 30, "min_samples_leaf": 10}
TRAIN = {"horizon": 7, "window_days": DAYS, "config": SMALL}
# sku: (name, supplier, pack of, units sold on each weekday Mon..Sun, units on hand)
ITEMS = {
    "A1": ("Yerba mate 1 kg", "sur", 6, (4, 4, 5, 5, 8, 10, 3), 5),
    "A2": ("Aceite 1,5 l", "sur", 1, (2, 2, 2, 3, 3, 4, 1), 1),
    "B1": ("Queso cremoso", "norte", 1, (1, 1, 1, 2, 2, 3, 0), 0),
    "B2": ("Dulce de leche", "norte", 12, (0, 1, 0, 1, 0, 1, 0), 400),
}


def seed_sales(url: str) -> dict[str, object]:
    """Four months of daily sales in S1 with a weekly pattern, and today's levels."""
    with committed(url) as (session, recorder):
        store = session.scalars(select(t.Store).where(t.Store.code == "S1")).one()
        suppliers = {"sur": new_id(), "norte": new_id()}
        for key, cuit, lead in (("sur", "30712345671", 2), ("norte", "30500000003", 5)):
            recorder.upsert("supplier", suppliers[key], {
                "cuit": cuit, "name": key.title(), "provisional": False, "archived": False,
                "lead_time_days": lead})
        for sku, (name, supplier, pack, pattern, on_hand) in ITEMS.items():
            product = new_id()
            recorder.upsert("product", product, {
                "sku": sku, "name": name, "unit": "unidad", "supplier_id": suppliers[supplier],
                "pack_size_milli": pack * 1000, "last_cost_cents": 100_000,
                "provisional": False, "archived": False})
            start = TODAY - timedelta(days=DAYS)
            sold = 0
            for offset in range(DAYS):
                day = start + timedelta(days=offset)
                units = pattern[day.weekday()]
                if units:
                    sold += units
                    at = datetime.combine(day, day_time(12), BUSINESS_TIMEZONE).astimezone(UTC)
                    recorder.append("stock_movement", {
                        "store_id": store.id, "product_id": product, "occurred_at": at,
                        "kind": MovementKind.SALE, "qty_milli": -units * 1000})
            recorder.append("stock_movement", {
                "store_id": store.id, "product_id": product, "kind": MovementKind.INTAKE,
                "qty_milli": (sold + on_hand) * 1000,
                "occurred_at": datetime.combine(start - timedelta(days=1), day_time(9),
                                                BUSINESS_TIMEZONE).astimezone(UTC)})
    return {"suppliers": suppliers}


def wait_for(client, headers, model_id, *, timeout=120.0):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        model = client.get(f"/api/ml/models/{model_id}", headers=headers).json()
        seen.append(model["progress_pct"])
        if model["status"] != "training":
            return model, seen
        time.sleep(0.2)
    pytest.fail(f"the job did not finish: {model}")


def test_a_model_is_trained_in_the_background_activated_and_used_for_reorder(
        client, token_for, central_db, settings):
    seed_sales(central_db)
    ml, admin = token_for("mlservice"), token_for("admin")
    assert client.get("/api/ml/reorder", params={"store": "S1"}, headers=ml).status_code == 404

    started = client.post("/api/ml/models/train", json=TRAIN, headers=ml)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "training" and started.json()["version"] == 1
    model, progress = wait_for(client, ml, started.json()["id"])
    assert model["status"] == "ready", model
    assert model["progress_pct"] == 100 and progress == sorted(progress)
    assert model["trained_to"] == (TODAY - timedelta(days=1)).isoformat()
    assert model["metrics"]["series"] == 4
    assert 0 < model["metrics"]["wape"] < model["metrics"]["seasonal_naive_wape"] + 0.2
    assert model["metrics"]["origins"] == 3
    files = AttachmentStore(settings.attachments_dir_or_default())
    assert files.has(model["onnx_sha256"]) and files.has(model["card_sha256"])
    assert files.size(model["onnx_sha256"]) == model["size_bytes"]

    cashier = token_for("cajero1")
    assert client.post(f"/api/ml/models/{model['id']}/activate",
                       headers=cashier).status_code == 403
    active = client.post(f"/api/ml/models/{model['id']}/activate", headers=ml)
    assert active.status_code == 200 and active.json()["status"] == "active"
    with committed(central_db) as (session, _):
        release = session.scalars(select(t.ModelRelease)).one()
        assert (release.version, release.onnx_sha256) == (1, model["onnx_sha256"])

    forecast = client.get("/api/ml/forecast", params={"store": "S1", "sku": "A1", "horizon": 7},
                          headers=ml)
    assert forecast.status_code == 200, forecast.text
    days = forecast.json()["days"]
    assert len(days) == 7 and all(day["units"] >= 0 for day in days)
    assert 20 < forecast.json()["total"] < 60  # about 39 a week

    reorder = client.get("/api/ml/reorder", params={"store": "S1"}, headers=ml)
    assert reorder.status_code == 200, reorder.text
    groups = {g["supplier"]["name"]: {ln["sku"]: ln for ln in g["lines"]}
              for g in reorder.json()["suppliers"]}
    assert set(groups) == {"Sur", "Norte"}
    yerba = groups["Sur"]["A1"]
    assert yerba["on_hand"] == 5 and yerba["lead_time_days"] == 2 and yerba["needs_order"]
    assert yerba["suggested"] % 6 == 0 and yerba["suggested"] > 0  # whole packs of 6
    assert yerba["reorder_point"] > 5
    assert not groups["Norte"]["B2"]["needs_order"]  # 400 on hand

    drafts = client.post("/api/ml/reorder/drafts", json={"store": "S1", "cover_days": 14},
                         headers=admin)
    assert drafts.status_code == 201, drafts.text
    orders = drafts.json()["orders"]
    assert {o["supplier"]["name"] for o in orders} == {"Sur", "Norte"}
    listed = client.get("/api/negocio/purchase-orders", params={"status": "draft"},
                        headers=admin).json()["items"]
    assert len(listed) == 2
    sur = next(o for o in orders if o["supplier"]["name"] == "Sur")
    detail = client.get(f"/api/negocio/purchase-orders/{sur['id']}", headers=admin).json()
    assert detail["status"] == "draft"
    assert {ln["sku"]: ln["quantity"] for ln in detail["lines"]}["A1"] == yerba["suggested"]
    assert client.post(f"/api/negocio/purchase-orders/{sur['id']}/send",
                       headers=admin).status_code == 200

    drift = client.post("/api/ml/drift/check", headers=ml)
    assert drift.status_code == 200, drift.text
    assert drift.json()["series"] == 4 and drift.json()["threshold"] == 0.15
    assert 0 <= drift.json()["drift_score"] <= 1 and drift.json()["recent_wape"] is not None
    assert isinstance(drift.json()["retrain_suggested"], bool)
    metrics = client.get("/metrics").text
    assert 'ml_model_drift_score{model="demand"}' in metrics
    assert "ml_training_duration_seconds_count" in metrics
    assert 'ml_predictions_total{endpoint="reorder",model="demand"}' in metrics


def test_a_failing_job_is_recorded_with_its_reason(client, token_for, central_db):
    seed_sales(central_db)
    ml = token_for("mlservice")
    long_ago = (TODAY - timedelta(days=800)).isoformat()
    started = client.post("/api/ml/models/train",
                          json={"horizon": 7, "window_days": 60, "until": long_ago}, headers=ml)
    assert started.status_code == 202, started.text
    model, _ = wait_for(client, ml, started.json()["id"])
    assert model["status"] == "failed" and "no sales" in model["error"]
    activate = client.post(f"/api/ml/models/{model['id']}/activate", headers=ml)
    assert activate.status_code == 409
    jobs.wait(10)


def test_too_short_a_history_fails_with_the_days_it_needs(client, token_for, central_db):
    seed_sales(central_db)
    ml = token_for("mlservice")
    started = client.post("/api/ml/models/train",
                          json={**TRAIN, "horizon": 14, "window_days": 60}, headers=ml)
    assert started.status_code == 202, started.text
    model, _ = wait_for(client, ml, started.json()["id"])
    assert model["status"] == "failed"
    assert "needs at least 70 days of sales" in model["error"], model["error"]
    assert "the window has 60 days" in model["error"]
    jobs.wait(10)


def test_operators_train_and_activate_from_the_command_line(mm, central_db):
    seed_sales(central_db)
    done = mm("central", "train-forecast", "--horizon", "7", "--window-days", str(DAYS),
              "--trees", "30", "--activate", "--db", central_db)
    assert done.code == 0, done.stderr
    first, second = done.stdout.splitlines()[:2]
    assert first.startswith("model ") and " v1 active: 4 series, horizon 7 days" in first
    assert second.startswith("backtest WAPE ") and "vs seasonal naive" in second
    assert "3 origins × 7 days" in second
    assert "trained" in done.stderr  # the progress bar, on stderr
    with committed(central_db) as (session, _):
        model = session.scalars(select(t.MlModel)).one()
        release = session.scalars(select(t.ModelRelease)).one()
        assert (model.status, release.onnx_sha256) == ("active", model.onnx_sha256)

    short = mm("central", "train-forecast", "--horizon", "14", "--window-days", "60",
               "--db", central_db)
    assert short.code == 1 and short.stdout == ""
    assert "v2 failed: training a 14-day forecast needs at least 70 days" in short.stderr
