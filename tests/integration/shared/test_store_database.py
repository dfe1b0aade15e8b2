import base64
import json
import os
import re
import stat
import sys

import pytest
from sqlalchemy import text

from shared.db.migrate import is_up_to_date
from shared.db.store_database import (
    NoStoreDatabase,
    PassphraseRequired,
    bind_store_database,
    change_store_passphrase,
    create_store_database,
    open_store_database,
)
from shared.domain.errors import AlreadyExists, WrongPassphrase
from shared.security.keyslots import (
    FileMachineSecretStore,
    KeySlotError,
    UnsafeMachineSecret,
    unlock_with_passphrase,
)

PASSPHRASE = "frase del operador 2026"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "store-data"


@pytest.fixture
def this_pc(tmp_path):
    return FileMachineSecretStore(tmp_path / "this-pc" / "machine.key")


@pytest.fixture
def other_pc(tmp_path):
    return FileMachineSecretStore(tmp_path / "other-pc" / "machine.key")


@pytest.fixture
def store(data_dir, this_pc):
    """A store database holding one marker row."""
    engine = create_store_database(data_dir, PASSPHRASE, this_pc, profile="fast")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO replica_meta (key, value) VALUES ('marker', 'xyzzy')"))
    engine.dispose()
    return data_dir


def marker(engine):
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT value FROM replica_meta WHERE key = 'marker'")).scalar_one()
    finally:
        engine.dispose()


def test_a_new_store_database_is_migrated_and_private(data_dir, this_pc):
    engine = create_store_database(data_dir, PASSPHRASE, this_pc, profile="fast")
    try:
        assert is_up_to_date(engine)
    finally:
        engine.dispose()
    assert (data_dir / "store.db").is_file()
    assert (data_dir / "keyslots.json").is_file()
    if sys.platform != "win32":
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((data_dir / "keyslots.json").stat().st_mode) == 0o600


def test_the_database_opens_through_this_machine_without_a_passphrase(store, this_pc):
    assert marker(open_store_database(store, machine_store=this_pc)) == "xyzzy"


def test_the_database_opens_with_the_passphrase_alone(store):
    assert marker(open_store_database(store, passphrase=PASSPHRASE)) == "xyzzy"


def test_a_wrong_passphrase_is_one_clear_error(store):
    with pytest.raises(WrongPassphrase, match=r"^wrong passphrase or not a Minimarket database$"):
        open_store_database(store, passphrase="not the operator passphrase")


def test_no_way_in_asks_for_the_passphrase(store, other_pc):
    with pytest.raises(PassphraseRequired, match="MINIMARKET_STORE_PASSPHRASE"):
        open_store_database(store)
    with pytest.raises(PassphraseRequired, match="not bound to the store database"):
        open_store_database(store, machine_store=other_pc)


def flip_ciphertext(slot_file, index):
    document = json.loads(slot_file.read_text())
    data = bytearray(base64.b64decode(document["slots"][index]["ciphertext"]))
    data[5] ^= 0x80
    document["slots"][index]["ciphertext"] = base64.b64encode(bytes(data)).decode()
    slot_file.write_text(json.dumps(document))


def test_a_tampered_passphrase_slot_is_refused(store):
    flip_ciphertext(store / "keyslots.json", 0)
    with pytest.raises(WrongPassphrase):
        open_store_database(store, passphrase=PASSPHRASE)


def test_weakened_kdf_parameters_are_refused(store):
    slot_file = store / "keyslots.json"
    document = json.loads(slot_file.read_text())
    document["slots"][0]["kdf"]["memory_cost"] = 16
    slot_file.write_text(json.dumps(document))
    with pytest.raises(WrongPassphrase):
        open_store_database(store, passphrase=PASSPHRASE)


def test_a_tampered_machine_slot_is_refused_even_with_the_passphrase(store, this_pc):
    flip_ciphertext(store / "keyslots.json", 1)
    with pytest.raises(WrongPassphrase):
        open_store_database(store, machine_store=this_pc, passphrase=PASSPHRASE)


@posix_only
def test_a_machine_secret_readable_by_others_is_refused(store, this_pc):
    os.chmod(this_pc.path, 0o644)
    with pytest.raises(UnsafeMachineSecret, match="mode 0644"):
        open_store_database(store, machine_store=this_pc, passphrase=PASSPHRASE)


def test_a_second_machine_needs_the_passphrase_until_it_is_bound(store, this_pc, other_pc):
    # The old PC's folder, copied to its replacement.
    with pytest.raises(PassphraseRequired):
        open_store_database(store, machine_store=other_pc)
    assert marker(open_store_database(store, machine_store=other_pc,
                                      passphrase=PASSPHRASE)) == "xyzzy"

    bind_store_database(store, PASSPHRASE, other_pc)

    assert marker(open_store_database(store, machine_store=other_pc)) == "xyzzy"
    with pytest.raises(PassphraseRequired):
        open_store_database(store, machine_store=this_pc)  # the retired PC is unbound
    assert marker(open_store_database(store, passphrase=PASSPHRASE)) == "xyzzy"


def test_binding_needs_the_right_passphrase(store, other_pc):
    before = (store / "keyslots.json").read_bytes()
    with pytest.raises(WrongPassphrase):
        bind_store_database(store, "not the operator passphrase", other_pc)
    assert (store / "keyslots.json").read_bytes() == before


def test_a_new_passphrase_opens_the_same_data_and_the_old_one_no_longer_does(store, this_pc):
    change_store_passphrase(store, PASSPHRASE, "otra frase del operador", profile="fast")

    assert marker(open_store_database(store, passphrase="otra frase del operador")) == "xyzzy"
    with pytest.raises(WrongPassphrase):
        open_store_database(store, passphrase=PASSPHRASE)
    assert marker(open_store_database(store, machine_store=this_pc)) == "xyzzy"


def test_no_file_holds_the_raw_key_or_the_passphrase(store, this_pc):
    key = unlock_with_passphrase(store / "keyslots.json", PASSPHRASE)
    engine = open_store_database(store, machine_store=this_pc)  # leaves -wal/-shm behind
    try:
        files = sorted(p for p in store.iterdir() if p.is_file())
        assert {p.name for p in files} >= {"store.db", "keyslots.json"}
        forbidden = [key, key.hex().encode(), key.hex().upper().encode(),
                     base64.b64encode(key), PASSPHRASE.encode(), PASSPHRASE.encode("utf-16-le")]
        for path in files:
            content = path.read_bytes()
            for secret in forbidden:
                assert secret not in content, path.name
        assert b"xyzzy" not in (store / "store.db").read_bytes()
    finally:
        engine.dispose()
    assert not this_pc.path.is_relative_to(store)


def test_the_slot_file_of_another_database_does_not_open_this_one(tmp_path, store, this_pc):
    elsewhere = tmp_path / "elsewhere"
    create_store_database(elsewhere, PASSPHRASE, this_pc, profile="fast").dispose()
    (store / "keyslots.json").write_bytes((elsewhere / "keyslots.json").read_bytes())
    with pytest.raises(WrongPassphrase):
        open_store_database(store, passphrase=PASSPHRASE)


def test_a_missing_folder_is_named_and_nothing_is_created(tmp_path, this_pc):
    missing = tmp_path / "no-such-store"
    with pytest.raises(NoStoreDatabase, match=re.escape(f"the folder {missing} does not exist")):
        open_store_database(missing, machine_store=this_pc, passphrase=PASSPHRASE)
    assert not missing.exists()
    assert not this_pc.path.exists()


def test_a_folder_without_a_database_is_named_and_left_as_it_was(tmp_path, this_pc):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NoStoreDatabase, match=re.escape(f"no store database in {empty}")):
        open_store_database(empty, passphrase=PASSPHRASE)
    assert list(empty.iterdir()) == []


def test_a_missing_slot_file_is_a_clear_error(store):
    (store / "keyslots.json").unlink()
    with pytest.raises(KeySlotError, match=r"no key slot file at .*restore keyslots\.json"):
        open_store_database(store, passphrase=PASSPHRASE)


def test_an_existing_store_database_is_never_overwritten(store, this_pc):
    before = (store / "keyslots.json").read_bytes()
    with pytest.raises(AlreadyExists, match="already holds a store database"):
        create_store_database(store, PASSPHRASE, this_pc, profile="fast")
    assert (store / "keyslots.json").read_bytes() == before
    assert marker(open_store_database(store, passphrase=PASSPHRASE)) == "xyzzy"


def test_a_failed_creation_leaves_nothing_half_made(data_dir, this_pc, monkeypatch):
    import shared.db.store_database as module

    def broken_upgrade(engine):
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "upgrade", broken_upgrade)
    with pytest.raises(RuntimeError, match="disk full"):
        create_store_database(data_dir, PASSPHRASE, this_pc, profile="fast")
    assert list(data_dir.iterdir()) == []
    monkeypatch.undo()
    create_store_database(data_dir, PASSPHRASE, this_pc, profile="fast").dispose()
