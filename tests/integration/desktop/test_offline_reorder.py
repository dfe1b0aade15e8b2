"""The model travels to a store PC, which then suggests an order with central gone."""

from __future__ import annotations

import time
import warnings

import pytest
from sqlalchemy.orm import Session

from central import identity
from desktop.app.reorder import NoModelYet, fetch_released_model, suggestions
from shared.db.engine import create_db_engine
from shared.ops.recorder import Recorder, load_replica
from shared.services.demand_forecast import ModelFileMismatch, inflation_index
from sync.attachments import AttachmentStore
from tests.integration.central.api.conftest import PASSWORD, login
from tests.integration.central.ml_fixtures import seed_inflation_index
from tests.integration.central.test_ml_training import TODAY, TRAIN, seed_sales
from tests.integration.sync.central_stores import start_central, store_pc

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.postgres


@pytest.fixture
def central(pg_url, tmp_path):
    central = start_central(pg_url, tmp_path / "central")
    engine = create_db_engine(pg_url)
    with Session(engine) as session, session.begin():
        identity.add_user(session, Recorder(session, load_replica(session)), "ml", PASSWORD,
                          "ml_service")
    engine.dispose()
    yield central
    central.client.__exit__(None, None, None)


def train_and_activate(central) -> dict:
    """Through the ml agent's API, on the same database and attachment folder."""
    from central.app import create_app

    app = create_app(("ml", "dashboard"), settings=central.settings, db_url=central.db_url)
    with TestClient(app, raise_server_exceptions=False) as ml:
        headers = login(ml, "ml")
        started = ml.post("/api/ml/models/train", json=TRAIN, headers=headers)
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 120
        while (model := ml.get(f"/api/ml/models/{started.json()['id']}",
                               headers=headers).json())["status"] == "training":
            assert time.monotonic() < deadline, model
            time.sleep(0.2)
        assert model["status"] == "ready", model
        active = ml.post(f"/api/ml/models/{model['id']}/activate", headers=headers)
        assert active.status_code == 200, active.text
        return active.json()


def test_a_store_pc_suggests_an_order_from_the_synced_model_with_central_down(
        central, tmp_path):
    seed_sales(central.db_url)  # the store's sales, as its PCs would have pushed them
    index = seed_inflation_index(central.db_url, TODAY)  # HQ's monthly price index
    pc = store_pc(central, tmp_path, "S1", "caja")
    with pytest.raises(NoModelYet):
        suggestions(pc.store)  # nothing released yet

    model = train_and_activate(central)
    pc.sync()  # the release record arrives ...
    with Session(pc.store.engine) as session:
        assert inflation_index(session) == index  # ... with the index the model reads
    with pytest.raises(NoModelYet):
        suggestions(pc.store)  # ... its files not yet
    fetched = fetch_released_model(pc.store, pc.transport)
    assert set(fetched) == {model["onnx_sha256"], model["card_sha256"]}
    assert fetch_released_model(pc.store, pc.transport) == []  # already here

    central.client.__exit__(None, None, None)  # central is gone from here on
    result = suggestions(pc.store, cover_days=14)
    assert result.model_version == 1
    by_supplier = {group.supplier: {line.sku: line for line in group.lines}
                   for group in result.groups}
    assert set(by_supplier) == {"Sur", "Norte"}
    yerba = by_supplier["Sur"]["A1"]
    assert yerba.needs_order and yerba.suggested % 6 == 0 and yerba.on_hand == 5
    assert yerba.forecast > 0 and yerba.reorder_point > yerba.on_hand
    assert not by_supplier["Norte"]["B2"].needs_order
    assert result.groups[0].to_order >= 1  # suppliers with something to order come first

    files = AttachmentStore(pc.store.attachments_dir)
    files.path(model["onnx_sha256"]).write_bytes(b"not the model")
    with pytest.raises(ModelFileMismatch):
        suggestions(pc.store)  # a file that changed on disk is never used
    pc.store.engine.dispose()
