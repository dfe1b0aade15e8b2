"""The content-addressed store: nothing is visible before its hash checks out."""

import hashlib
import os
import threading
import time

import pytest

from sync.attachments import (
    AttachmentHashMismatch,
    AttachmentNotFound,
    AttachmentStore,
    AttachmentTooLarge,
    InvalidAttachmentHash,
    InvalidChunk,
    RangeNotSatisfiable,
    UploadOffsetMismatch,
    check_hash,
    content_range,
    parse_content_range,
    parse_range,
)

DATA = bytes(range(256)) * 40 + b"tail"  # 10,244 bytes, no repeating 1 KiB chunk
SHA = hashlib.sha256(DATA).hexdigest()


def chunks(data, size):
    return [(offset, data[offset:offset + size]) for offset in range(0, len(data), size)]


def visible_files(root):
    """Every file outside the partial area: what readers could see."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and p.relative_to(root).parts[0] != "partial")


def partial_files(root):
    """Whatever uploads in progress left in the partial area."""
    partial = root / "partial"
    return sorted(p.name for p in partial.iterdir()) if partial.is_dir() else []


@pytest.fixture
def store(tmp_path):
    return AttachmentStore(tmp_path / "attachments", max_bytes=64 * 1024)


def test_put_bytes_stores_the_file_under_its_hash_in_two_level_folders(store):
    assert store.put_bytes(DATA) == SHA

    assert store.path(SHA) == store.root / SHA[:2] / SHA[2:4] / SHA
    assert store.has(SHA) and store.size(SHA) == len(DATA)
    with store.open(SHA) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == SHA
    assert store.put_bytes(DATA, SHA) == SHA  # again: nothing changes
    assert visible_files(store.root) == [f"{SHA[:2]}/{SHA[2:4]}/{SHA}"]


def test_put_bytes_under_the_wrong_name_is_refused_and_stores_nothing(store):
    other = hashlib.sha256(b"other").hexdigest()

    with pytest.raises(AttachmentHashMismatch, match=SHA):
        store.put_bytes(DATA, other)

    assert not store.has(other) and not store.has(SHA)
    assert visible_files(store.root) == []
    assert partial_files(store.root) == []


def test_chunks_stay_invisible_until_the_last_one_verifies_the_hash(store):
    parts = chunks(DATA, 4096)
    for offset, chunk in parts[:-1]:
        state = store.append_chunk(SHA, offset, chunk, len(DATA))
        assert not state.complete and state.received == offset + len(chunk)
        assert not store.has(SHA) and visible_files(store.root) == []
        with pytest.raises(AttachmentNotFound):
            store.open(SHA)

    offset, chunk = parts[-1]
    state = store.append_chunk(SHA, offset, chunk, len(DATA))

    assert state.complete and state.received == state.total == len(DATA)
    assert store.path(SHA).read_bytes() == DATA
    assert partial_files(store.root) == []  # the size file went too


def test_an_upload_resumes_at_the_offset_received_and_refuses_any_other(store):
    store.append_chunk(SHA, 0, DATA[:3000], len(DATA))

    assert store.state(SHA).received == 3000 and store.state(SHA).total == len(DATA)
    with pytest.raises(UploadOffsetMismatch) as behind:
        store.append_chunk(SHA, 0, DATA[:3000], len(DATA))  # a retried first chunk
    assert behind.value.received == 3000 and behind.value.status_code == 409
    with pytest.raises(UploadOffsetMismatch) as ahead:
        store.append_chunk(SHA, 6000, DATA[6000:9000], len(DATA))  # a chunk was lost
    assert ahead.value.received == 3000

    store.append_chunk(SHA, 3000, DATA[3000:], len(DATA))
    assert store.path(SHA).read_bytes() == DATA


def test_a_wrong_hash_discards_the_whole_upload_with_a_clear_error(store):
    corrupt = DATA[:5000] + b"X" + DATA[5001:]
    store.append_chunk(SHA, 0, corrupt[:5000], len(DATA))

    with pytest.raises(AttachmentHashMismatch, match="send it again from the start"):
        store.append_chunk(SHA, 5000, corrupt[5000:], len(DATA))

    assert not store.has(SHA) and visible_files(store.root) == []
    assert store.state(SHA).received == 0 and partial_files(store.root) == []
    store.append_chunk(SHA, 0, DATA, len(DATA))  # the honest upload starts over and lands
    assert store.path(SHA).read_bytes() == DATA


def test_the_size_limit_refuses_before_writing_anything(store):
    big = b"z" * (store.max_bytes + 1)
    big_sha = hashlib.sha256(big).hexdigest()

    with pytest.raises(AttachmentTooLarge):
        store.put_bytes(big)
    with pytest.raises(AttachmentTooLarge):
        store.append_chunk(big_sha, 0, big[:1024], len(big))

    assert store.state(big_sha).received == 0 and visible_files(store.root) == []


def test_a_restart_at_offset_zero_with_another_size_replaces_the_stray_upload(store):
    store.append_chunk(SHA, 0, b"junk" * 100, 9999)

    with pytest.raises(UploadOffsetMismatch) as mismatch:
        store.append_chunk(SHA, 400, DATA[400:800], len(DATA))
    assert mismatch.value.total == 9999
    store.append_chunk(SHA, 0, DATA, len(DATA))

    assert store.path(SHA).read_bytes() == DATA


def test_chunks_that_do_not_fit_and_bad_names_are_refused(store):
    with pytest.raises(InvalidChunk):
        store.append_chunk(SHA, 10_000, DATA[:1000], len(DATA))
    with pytest.raises(InvalidChunk):
        store.append_chunk(SHA, 0, b"", len(DATA))
    for name in ("", SHA.upper(), SHA[:63], SHA + "0", "../" + SHA[3:], "g" * 64):
        with pytest.raises(InvalidAttachmentHash):
            check_hash(name)
        with pytest.raises(InvalidAttachmentHash):
            store.path(name)


def test_the_empty_file_is_an_attachment_too(store):
    empty = hashlib.sha256(b"").hexdigest()

    state = store.append_chunk(empty, 0, b"", 0)

    assert state.complete and store.size(empty) == 0


def test_a_completed_file_acknowledges_late_chunks_without_touching_them(store):
    store.put_bytes(DATA)

    state = store.append_chunk(SHA, 0, b"not the content", len(DATA))

    assert state.complete and store.path(SHA).read_bytes() == DATA


def test_put_bytes_makes_an_upload_in_progress_moot(store):
    store.append_chunk(SHA, 0, DATA[:100], len(DATA))

    store.put_bytes(DATA)

    assert store.state(SHA).complete and partial_files(store.root) == []


def test_concurrent_identical_chunks_are_appended_once(store):
    errors, start = [], threading.Barrier(8)

    def send():
        start.wait()
        try:
            store.append_chunk(SHA, 0, DATA[:5000], len(DATA))
        except UploadOffsetMismatch as error:
            errors.append(error.received)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [5000] * 7 and store.state(SHA).received == 5000


def test_stale_uploads_are_discarded_and_fresh_ones_kept(store):
    fresh = hashlib.sha256(b"fresh").hexdigest()
    store.append_chunk(SHA, 0, DATA[:100], len(DATA))
    store.append_chunk(fresh, 0, b"fre", 5)
    old = time.time() - 3600
    os.utime(store.root / "partial" / SHA, (old, old))

    assert store.discard_stale_partials(600) == 1

    assert store.state(SHA).received == 0 and store.state(SHA).total is None
    assert store.state(fresh).received == 3


def test_content_range_headers_round_trip():
    assert parse_content_range("bytes 0-1023/10244") == (0, 1024, 10244)
    assert parse_content_range(content_range(1024, 2048, 10244)) == (1024, 2048, 10244)
    for bad in ("bytes 5-4/10", "bytes 0-10/10", "bytes */10", "items 0-1/2", "bytes 0-1"):
        with pytest.raises(InvalidChunk):
            parse_content_range(bad)


@pytest.mark.parametrize(("header", "expected"), [
    (None, None),
    ("bytes=0-99", (0, 100)),
    ("bytes=100-", (100, 1000)),
    ("bytes=900-5000", (900, 1000)),
    ("bytes=-10", (990, 1000)),
    ("bytes=-5000", (0, 1000)),
    ("bytes=0-1,5-9", None),  # several ranges: the whole file
    ("bytes=9-3", None),  # not a range: ignored
    ("lines=0-1", None),
])
def test_range_headers_select_one_part_or_the_whole_file(header, expected):
    assert parse_range(header, 1000) == expected


def test_a_range_past_the_end_is_not_satisfiable():
    for header, size in (("bytes=1000-", 1000), ("bytes=0-", 0), ("bytes=-0", 1000)):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(header, size)
