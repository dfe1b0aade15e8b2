"""Attachments through central's real app: chunked, resumable, verified, authenticated."""

import hashlib
import os
import warnings

import pytest
from sqlalchemy.orm import Session

from central import identity
from shared.db.engine import create_db_engine
from shared.db.migrate import upgrade
from shared.ops.recorder import Recorder, load_replica
from shared.settings import Settings
from sync.attachments import AttachmentHashMismatch
from sync.attachments_client import AttachmentClient
from sync.transport_http import HttpTransport, ServerUnreachable
from tests.integration.central.api.conftest import PASSWORD, enroll, login

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CHUNK = 64 * 1024
DATA = os.urandom(3 * CHUNK + 12_345)  # four chunks, the last one short
SHA = hashlib.sha256(DATA).hexdigest()
URL = f"/api/sync/attachments/{SHA}"


@pytest.fixture
def central(tmp_path):
    """Central's sync and auth agents on a fresh SQLite database, and its settings."""
    from central.app import create_app

    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = create_db_engine(db_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        recorder = Recorder(session, load_replica(session))
        identity.add_store(session, recorder, "S1", "Centro")
        identity.add_user(session, recorder, "deposito", PASSWORD, "deposito")
        identity.add_user(session, recorder, "cajero1", PASSWORD, "cajero", "S1")
    engine.dispose()
    settings = Settings(MINIMARKET_DATA_DIR=tmp_path / "data", JWT_SECRET_KEY="k" * 40)
    app = create_app(("sync", "dashboard"), settings=settings, db_url=db_url)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, db_url, settings


@pytest.fixture
def transport(central):
    """A PC's authenticated transport (device JWT and all) into the in-process app."""
    client, db_url, _ = central
    device_id, secret = enroll(client, db_url)
    return HttpTransport("http://testserver", device_id, secret, client=client, attempts=2,
                         backoff_seconds=0, sleep=lambda _seconds: None)


class Cable:
    """Passes requests through, records them, and can be pulled after ``limit`` of a method."""

    def __init__(self, inner, method=None, limit=None):
        self.inner, self.method, self.limit = inner, method, limit
        self.calls = []

    def request(self, method, url, /, **kwargs):
        if method == self.method and self.limit is not None and self.count(method) >= self.limit:
            raise ServerUnreachable("the cable was pulled")
        self.calls.append((method, dict(kwargs.get("headers") or {})))
        return self.inner.request(method, url, **kwargs)

    def count(self, method):
        return sum(1 for called, _ in self.calls if called == method)

    def header(self, method, name):
        return [headers[name] for called, headers in self.calls
                if called == method and name in headers]


def stored_file(settings, sha=SHA):
    return settings.attachments_dir_or_default() / sha[:2] / sha[2:4] / sha


def test_a_file_uploaded_in_chunks_is_stored_and_downloaded_byte_for_byte(central, transport,
                                                                           tmp_path):
    _, _, settings = central
    cable = Cable(transport)

    assert AttachmentClient(cable, chunk_bytes=CHUNK).upload(DATA) == SHA

    assert cable.header("PUT", "Content-Range") == [
        f"bytes 0-{CHUNK - 1}/{len(DATA)}", f"bytes {CHUNK}-{2 * CHUNK - 1}/{len(DATA)}",
        f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{len(DATA)}",
        f"bytes {3 * CHUNK}-{len(DATA) - 1}/{len(DATA)}"]
    assert stored_file(settings).read_bytes() == DATA
    dest = AttachmentClient(cable, chunk_bytes=CHUNK).download(SHA, tmp_path / "pc" / "photo.jpg")
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == SHA and dest.read_bytes() == DATA
    assert cable.header("GET", "Range")[:2] == [f"bytes=0-{CHUNK - 1}",
                                                f"bytes={CHUNK}-{2 * CHUNK - 1}"]
    assert [p.name for p in dest.parent.iterdir()] == ["photo.jpg"]  # no temporary left
    assert AttachmentClient(cable).upload(DATA) == SHA  # already there: HEAD, no PUT
    assert cable.count("PUT") == 4


def test_an_interrupted_upload_is_invisible_and_resumes_where_the_server_stopped(
        central, transport, tmp_path):
    _, _, settings = central
    source = tmp_path / "model.onnx"
    source.write_bytes(DATA)
    pulled = Cable(transport, method="PUT", limit=2)

    with pytest.raises(ServerUnreachable):
        AttachmentClient(pulled, chunk_bytes=CHUNK).upload(source)

    head = transport.request("HEAD", URL)
    assert head.status_code == 404 and head.headers["Upload-Offset"] == str(2 * CHUNK)
    assert head.headers["Upload-Length"] == str(len(DATA))
    assert transport.request("GET", URL).status_code == 404
    assert not stored_file(settings).exists()

    resumed = Cable(transport)
    assert AttachmentClient(resumed, chunk_bytes=CHUNK).upload(source) == SHA
    assert resumed.header("PUT", "Content-Range") == [
        f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{len(DATA)}",
        f"bytes {3 * CHUNK}-{len(DATA) - 1}/{len(DATA)}"]
    assert stored_file(settings).read_bytes() == DATA
    head = transport.request("HEAD", URL)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(DATA))


class LostAnswers:
    """Every PUT reaches the server twice, as when an answer is lost and the call retried."""

    def __init__(self, inner):
        self.inner = inner
        self.statuses = []

    def request(self, method, url, /, **kwargs):
        response = self.inner.request(method, url, **kwargs)
        if method == "PUT":
            response = self.inner.request(method, url, **kwargs)
            self.statuses.append(response.status_code)
        return response


def test_a_chunk_sent_twice_is_stored_once_and_the_client_follows_the_server(central, transport):
    _, _, settings = central
    twice = LostAnswers(transport)

    assert AttachmentClient(twice, chunk_bytes=CHUNK).upload(DATA) == SHA

    assert 409 in twice.statuses
    assert stored_file(settings).read_bytes() == DATA


def test_a_chunk_at_the_wrong_offset_is_answered_with_where_to_resume(transport):
    first = transport.request("PUT", URL, content=DATA[:CHUNK],
                              headers={"Content-Range": f"bytes 0-{CHUNK - 1}/{len(DATA)}"})
    assert first.status_code == 202 and first.headers["Upload-Offset"] == str(CHUNK)
    assert first.json() == {"sha256": SHA, "received": CHUNK, "total": len(DATA),
                            "complete": False}

    ahead = transport.request("PUT", URL, content=DATA[2 * CHUNK:3 * CHUNK], headers={
        "Content-Range": f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{len(DATA)}"})
    assert ahead.status_code == 409 and ahead.headers["Upload-Offset"] == str(CHUNK)

    short = transport.request("PUT", URL, content=DATA[CHUNK:CHUNK + 10], headers={
        "Content-Range": f"bytes {CHUNK}-{2 * CHUNK - 1}/{len(DATA)}"})
    assert short.status_code == 400  # the body is not what the range announces

    rest = transport.request("PUT", URL, content=DATA[CHUNK:],
                             headers={"Content-Range": f"bytes {CHUNK}-{len(DATA) - 1}/{len(DATA)}"})
    assert rest.status_code == 201 and rest.json()["complete"] is True
    assert transport.request("GET", URL).content == DATA


def test_content_that_does_not_match_its_hash_is_refused_and_never_visible(central, transport):
    _, _, settings = central
    corrupt = DATA[:-1] + bytes([DATA[-1] ^ 0xFF])
    for offset in range(0, len(DATA), 2 * CHUNK):
        end = min(offset + 2 * CHUNK, len(DATA))
        response = transport.request("PUT", URL, content=corrupt[offset:end], headers={
            "Content-Range": f"bytes {offset}-{end - 1}/{len(DATA)}"})

    assert response.status_code == 422 and "discarded" in response.json()["detail"]
    assert response.headers["Upload-Offset"] == "0"
    head = transport.request("HEAD", URL)
    assert head.status_code == 404 and head.headers["Upload-Offset"] == "0"
    assert transport.request("GET", URL).status_code == 404
    assert not stored_file(settings).exists()

    whole = transport.request("PUT", URL, content=corrupt)  # one body, no Content-Range
    assert whole.status_code == 422 and not stored_file(settings).exists()
    with pytest.raises(AttachmentHashMismatch):
        AttachmentClient(transport).upload(corrupt, sha256=SHA)


def test_ranges_are_served_as_partial_content(transport):
    assert transport.request("PUT", URL, content=DATA).status_code == 201

    part = transport.request("GET", URL, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == DATA[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    tail = transport.request("GET", URL, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == DATA[-10:]
    whole = transport.request("GET", URL)
    assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == SHA
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["ETag"] == f'"{SHA}"'
    past = transport.request("GET", URL, headers={"Range": f"bytes={len(DATA)}-"})
    assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{len(DATA)}"
    again = transport.request("PUT", URL, content=b"ignored")
    assert again.status_code == 200 and again.json()["complete"] is True


def test_an_interrupted_download_resumes_from_its_partial_file(transport, tmp_path):
    AttachmentClient(transport).upload(DATA)
    dest = tmp_path / "pc" / "model.onnx"
    pulled = Cable(transport, method="GET", limit=3)

    with pytest.raises(ServerUnreachable):
        AttachmentClient(pulled, chunk_bytes=CHUNK).download(SHA, dest)

    assert not dest.exists()
    [partial] = dest.parent.iterdir()
    assert partial.read_bytes() == DATA[:3 * CHUNK]
    resumed = Cable(transport)
    AttachmentClient(resumed, chunk_bytes=CHUNK).download(SHA, dest)
    assert resumed.header("GET", "Range") == [f"bytes={3 * CHUNK}-{4 * CHUNK - 1}"]
    assert dest.read_bytes() == DATA and list(dest.parent.iterdir()) == [dest]


def test_a_download_that_does_not_hash_right_is_never_written(central, transport, tmp_path):
    _, _, settings = central
    AttachmentClient(transport).upload(DATA)
    stored_file(settings).write_bytes(b"bit rot" + DATA[7:])  # the server's copy went bad
    dest = tmp_path / "pc" / "photo.jpg"

    with pytest.raises(AttachmentHashMismatch):
        AttachmentClient(transport, chunk_bytes=CHUNK).download(SHA, dest)

    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_the_empty_file_travels_too(transport, tmp_path):
    empty = hashlib.sha256(b"").hexdigest()

    assert AttachmentClient(transport).upload(b"") == empty

    dest = AttachmentClient(transport).download(empty, tmp_path / "empty")
    assert dest.read_bytes() == b""


def test_only_devices_upload_hq_staff_read_and_the_rest_is_refused(central, transport):
    client, _, _ = central
    assert transport.request("PUT", URL, content=DATA).status_code == 201

    for method in ("PUT", "HEAD", "GET"):
        assert client.request(method, URL, content=b"x").status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert client.get(URL, headers=forged).status_code == 401
    deposito, cajero = login(client, "deposito"), login(client, "cajero1")
    read = client.get(URL, headers=deposito)
    assert read.status_code == 200 and read.content == DATA
    assert client.head(URL, headers=deposito).status_code == 200
    other = hashlib.sha256(b"other").hexdigest()
    assert client.put(f"/api/sync/attachments/{other}", content=b"other",
                      headers=deposito).status_code == 403
    assert client.get(URL, headers=cajero).status_code == 403


def test_bad_names_sizes_and_protocol_versions_are_refused(central, transport):
    client, _, _ = central
    assert transport.request("GET", f"/api/sync/attachments/{SHA.upper()}").status_code == 422
    assert transport.request("PUT", "/api/sync/attachments/abc", content=b"x").status_code == 422
    huge = transport.request("PUT", URL, content=DATA[:CHUNK], headers={
        "Content-Range": f"bytes 0-{CHUNK - 1}/{65 * 1024 * 1024}"})
    assert huge.status_code == 413
    assert transport.request("PUT", URL, content=DATA[:10], headers={
        "Content-Range": "bytes=0-9"}).status_code == 400
    assert transport.request("HEAD", URL).headers["Upload-Offset"] == "0"  # nothing was kept
    token = client.post("/api/auth/device-token", json={
        "device_id": str(transport.device_id), "device_secret": transport.device_secret})
    future = {"Authorization": f"Bearer {token.json()['access_token']}",
              "X-Minimarket-Protocol": "9"}
    for method in ("PUT", "HEAD", "GET"):
        assert client.request(method, URL, content=b"x", headers=future).status_code == 426
