from sqlalchemy.orm import Session

from central.identity import find_store
from shared.db.engine import create_db_engine
from shared.domain.enums import MovementKind
from shared.domain.ids import new_id
from shared.ops.recorder import Recorder, load_replica


def seed_sales(url):
    engine = create_db_engine(url)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        store = find_store(session, "S1")
        product = new_id()
        recorder.upsert("product", product, {"sku": "A1", "name": "Yerba", "unit": "unidad",
                                             "min_stock_milli": 10_000, "archived": False})
        recorder.append("stock_movement", {"store_id": store.id, "product_id": product,
                                           "kind": MovementKind.INTAKE, "qty_milli": 12_000})
        for _ in range(3):
            recorder.append("stock_movement", {"store_id": store.id, "product_id": product,
                                               "kind": MovementKind.SALE, "qty_milli": -1_000})
    engine.dispose()


def test_overview_counts_todays_sales_and_critical_stock_per_store(client, token_for, central_db):
    seed_sales(central_db)
    response = client.get("/api/dashboard/overview", headers=token_for("negocio"))
    assert response.status_code == 200
    stores = {item["store"]: item for item in response.json()["stores"]}
    assert stores["S1"]["sales_today"] == 3 and stores["S1"]["units_sold_today"] == 3
    assert stores["S1"]["units_received_today"] == 12
    assert stores["S1"]["critical_stock"] == 1  # 9 left, minimum 10
    assert stores["S2"]["sales_today"] == 0
    assert stores["S2"]["critical_stock"] == 1  # none there at all, also under the minimum


def test_overview_is_for_hq_roles(client, token_for):
    assert client.get("/api/dashboard/overview").status_code == 401
    assert client.get("/api/dashboard/overview", headers=token_for("cajero1")).status_code == 403


def test_the_model_registry_lists_versions(client, token_for, central_db):
    from datetime import date

    from shared.db import tables as t

    engine = create_db_engine(central_db)
    with Session(engine) as session, session.begin():
        for version in (1, 2):
            session.add(t.MlModel(id=new_id(), name="demand", version=version, status="ready",
                                  trained_from=date(2026, 1, 1), trained_to=date(2026, 10, 31),
                                  metrics={"wape": 0.3}))
    engine.dispose()
    page = client.get("/api/ml/models", headers=token_for("mlservice")).json()
    assert page["total"] == 2 and [m["version"] for m in page["items"]] == [2, 1]
    one = client.get(f"/api/ml/models/{page['items'][0]['id']}", headers=token_for("mlservice"))
    assert one.json()["metrics"] == {"wape": 0.3}
    missing = client.get(f"/api/ml/models/{new_id()}", headers=token_for("mlservice"))
    assert missing.status_code == 404 and "unknown model" in missing.json()["detail"]
    assert client.get("/api/ml/models", headers=token_for("cajero1")).status_code == 403
