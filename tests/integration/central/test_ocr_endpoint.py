"""HQ reads an uploaded invoice: the OCR pipeline over HTTP, with limits and metrics."""

import uuid
import warnings

import cv2
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.orm import Session

from central import identity
from central.negocio import ocr_endpoints
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.ocr.synthetic import make_photo
from shared.ops.recorder import Recorder, load_replica
from shared.settings import Settings
from tests.integration.central.api.conftest import PASSWORD, login

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.postgres
URL = "/api/negocio/invoices/ocr"
PHOTO, TRUTH = make_photo(seed=11, index=0, level="clean")


@pytest.fixture
def client(pg_url, tmp_path):
    """The negocio and auth agents on PostgreSQL; the photo's supplier and first line known."""
    engine = create_db_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        identity.add_user(session, recorder, "negocio", PASSWORD, "negocio")
        identity.add_user(session, recorder, "deposito", PASSWORD, "deposito")
        recorder.upsert("supplier", uuid.uuid4(), {"cuit": TRUTH.supplier_cuit,
                                                   "name": TRUTH.supplier_name})
        first = TRUTH.lines[0]
        recorder.upsert("product", uuid.uuid4(), {"sku": "P1", "name": first.description,
                                                  "unit": "unidad", "provisional": False})
    engine.dispose()
    from central.app import create_app

    settings = Settings(MINIMARKET_DATA_DIR=tmp_path / "data", JWT_SECRET_KEY="k" * 40)
    app = create_app(("negocio", "dashboard"), settings=settings, db_url=pg_url)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def jpeg(image) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return encoded.tobytes()


def counter(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_a_photo_is_read_with_suggestions_for_its_lines(client):
    seconds_before = counter("ocr_processing_seconds_count")
    response = client.post(URL, headers=login(client, "negocio"),
                           files={"file": ("factura.jpg", jpeg(PHOTO), "image/jpeg")})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["file"] == "factura.jpg"
    assert body["supplier"]["cuit"] == TRUTH.supplier_cuit
    assert (body["invoice"]["afip_code"], body["invoice"]["number"]) == (TRUTH.afip_code,
                                                                         TRUTH.number)
    assert body["supplier_id"] is not None
    assert len(body["matches"]) == len(body["lines"]) > 0
    assert body["matches"][0]["candidates"][0]["sku"] == "P1"
    assert counter("ocr_processing_seconds_count") == seconds_before + 1


def test_only_hq_business_roles_may_upload(client):
    response = client.post(URL, headers=login(client, "deposito"),
                           files={"file": ("f.jpg", jpeg(PHOTO), "image/jpeg")})
    assert response.status_code == 403


def test_a_file_that_is_too_large_is_413(client, monkeypatch):
    monkeypatch.setattr(ocr_endpoints, "MAX_UPLOAD_BYTES", 10_000)
    response = client.post(URL, headers=login(client, "negocio"),
                           files={"file": ("f.jpg", jpeg(PHOTO), "image/jpeg")})
    assert response.status_code == 413 and "larger" in response.json()["detail"]


def test_a_file_that_is_not_an_image_or_pdf_is_415(client):
    response = client.post(URL, headers=login(client, "negocio"),
                           files={"file": ("f.jpg", b"just some text, not a photo", "image/jpeg")})
    assert response.status_code == 415 and "PDF" in response.json()["detail"]


def test_an_image_that_cannot_be_decoded_is_422_with_the_reason(client):
    broken = jpeg(PHOTO)[:400]  # a JPEG header, then nothing
    response = client.post(URL, headers=login(client, "negocio"),
                           files={"file": ("f.jpg", broken, "image/jpeg")})
    assert response.status_code == 422 and response.json()["detail"].startswith(
        "the file cannot be read")


def test_a_reading_past_the_time_limit_is_504_and_counted(client):
    client.app.state.ocr_time_limit = 0.0
    before = counter("ocr_timeouts_total")
    response = client.post(URL, headers=login(client, "negocio"),
                           files={"file": ("f.jpg", jpeg(PHOTO), "image/jpeg")},
                           data={"use_qr": "false"})
    assert response.status_code == 504 and "longer than" in response.json()["detail"]
    assert counter("ocr_timeouts_total") == before + 1
