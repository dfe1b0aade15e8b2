"""An invoice photo confirmed offline reaches central with the next syncs, resuming."""

import hashlib
import os
from decimal import Decimal

import pytest
from sqlalchemy import select

from desktop.app.invoice_capture import confirm_capture, review_reading
from shared.db import tables as t
from shared.ocr.model import InvoiceReading, ReadLine
from sync.attachment_outbox import pending_attachments
from sync.attachments import AttachmentStore
from sync.transport_http import ServerUnreachable
from tests.integration.sync.central_stores import SUPPLIER_CUIT, start_central, store_pc

pytestmark = pytest.mark.postgres

CHUNK = 64 * 1024
PHOTO = b"\xff\xd8\xff\xe0" + os.urandom(3 * CHUNK + 5_000)  # four chunks
SHA = hashlib.sha256(PHOTO).hexdigest()


class Cable:
    """Passes requests through and is pulled after ``limit`` PUTs."""

    def __init__(self, inner, limit):
        self.inner, self.limit, self.puts = inner, limit, 0

    def request(self, method, url, /, **kwargs):
        if method == "PUT":
            if self.puts >= self.limit:
                raise ServerUnreachable("the cable was pulled")
            self.puts += 1
        return self.inner.request(method, url, **kwargs)


@pytest.fixture
def central(pg_url, tmp_path):
    central = start_central(pg_url, tmp_path / "central")
    yield central
    central.client.__exit__(None, None, None)


def test_a_photo_confirmed_offline_reaches_central_and_an_interrupted_upload_resumes(
        central, tmp_path):
    pc = store_pc(central, tmp_path, "S1", "caja")
    reading = InvoiceReading(supplier_cuit=SUPPLIER_CUIT, letter="A", afip_code=1,
                             point_of_sale=3, number=55, lines=[
        ReadLine(code="A-1", description="Yerba Mate Playadito 1kg", quantity=Decimal(3),
                 unit_price=Decimal("2500.00"))])
    with pc.store.transaction() as session:
        review = review_reading(session, reading)
    result = confirm_capture(pc.store, review, PHOTO, "factura.jpg")  # no network involved
    central_files = AttachmentStore(central.settings.attachments_dir_or_default())

    cable = Cable(pc.transport, limit=2)
    report = pc.sync(cable, chunk_bytes=CHUNK)

    # the operations went; the photo stopped half-way and stays queued
    assert (report.refused, report.attachments_uploaded, report.attachments_pending) == (0, 0, 1)
    assert report.pushed > 0
    with central.session() as session:
        invoice = session.get(t.SupplierInvoice, result.invoice_id)
        assert invoice.photo_sha256 == SHA
        assert session.scalars(select(t.InvoiceConfirmation.invoice_id)).all() == [invoice.id]
    assert not central_files.has(SHA)
    assert central_files.state(SHA).received == 2 * CHUNK
    with pc.store.transaction() as session:
        assert pending_attachments(session) == [SHA]

    resumed = Cable(pc.transport, limit=100)
    report = pc.sync(resumed, chunk_bytes=CHUNK)

    assert (report.attachments_uploaded, report.attachments_pending) == (1, 0)
    assert resumed.puts == 2  # only the chunks central did not have
    assert central_files.path(SHA).read_bytes() == PHOTO
    with pc.store.transaction() as session:
        assert pending_attachments(session) == []
    assert pc.sync().attachments_uploaded == 0  # nothing left to send
