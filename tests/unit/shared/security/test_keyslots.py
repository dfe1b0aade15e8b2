import base64
import json
import os
import stat
import sys
import unicodedata

import pytest

from shared.domain.errors import AlreadyExists, ValidationError, WrongPassphrase
from shared.security.keyslots import (
    PROFILES,
    FileMachineSecretStore,
    KeySlotError,
    MachineNotBound,
    UnsafeMachineSecret,
    add_machine_slot,
    change_passphrase,
    create_slots,
    read_slot_file,
    unlock_with_machine,
    unlock_with_passphrase,
)

PASSPHRASE = "correct horse battery staple"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def slots(tmp_path):
    return tmp_path / "data" / "keyslots.json"


@pytest.fixture
def machine(tmp_path):
    return FileMachineSecretStore(tmp_path / "config" / "machine.key")


@pytest.fixture
def key(slots, machine):
    return create_slots(slots, PASSPHRASE, machine, profile="fast")


def edit(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def flip_first_byte(text):
    data = bytearray(base64.b64decode(text))
    data[0] ^= 0x01
    return base64.b64encode(bytes(data)).decode()


def test_the_key_comes_back_through_the_passphrase_and_through_the_machine(slots, machine, key):
    assert len(key) == 32
    assert unlock_with_passphrase(slots, PASSPHRASE) == key
    assert unlock_with_machine(slots, machine) == key


def test_every_database_gets_its_own_random_key(tmp_path, machine):
    first = create_slots(tmp_path / "a" / "keyslots.json", PASSPHRASE, machine, profile="fast")
    second = create_slots(tmp_path / "b" / "keyslots.json", PASSPHRASE, machine, profile="fast")
    assert first != second


def test_the_slot_file_records_its_format_and_kdf_parameters(slots, key):
    document = json.loads(slots.read_text())
    assert document["format"] == "minimarket-keyslots"
    assert document["version"] == 1
    kinds = [slot["kind"] for slot in document["slots"]]
    assert kinds == ["passphrase", "machine"]
    kdf = document["slots"][0]["kdf"]
    fast = PROFILES["fast"]
    assert kdf["name"] == "argon2id"
    assert (kdf["time_cost"], kdf["memory_cost"], kdf["parallelism"]) == (
        fast.time_cost, fast.memory_cost, fast.parallelism)
    assert len(base64.b64decode(kdf["salt"])) == 16
    for slot in document["slots"]:
        assert len(base64.b64decode(slot["nonce"])) == 12
        assert len(base64.b64decode(slot["ciphertext"])) == 48


def test_the_default_profile_is_strong_argon2id():
    default = PROFILES["default"]
    assert default.time_cost >= 3
    assert default.memory_cost >= 64 * 1024
    assert default.parallelism == 1


def test_the_slot_file_holds_neither_the_key_nor_the_passphrase(slots, machine, key):
    data = slots.read_bytes()
    secret = machine.load_secret()
    for forbidden in (key, key.hex().encode(), base64.b64encode(key), PASSPHRASE.encode(),
                      secret, base64.b64encode(secret), secret.hex().encode()):
        assert forbidden not in data


@posix_only
def test_the_slot_file_and_the_machine_secret_are_private(slots, machine, key):
    assert stat.S_IMODE(slots.stat().st_mode) == 0o600
    assert stat.S_IMODE(machine.path.stat().st_mode) == 0o600
    assert [p.name for p in slots.parent.iterdir()] == ["keyslots.json"]  # no temporary left


def test_a_wrong_passphrase_is_refused(slots, key):
    with pytest.raises(WrongPassphrase, match="wrong passphrase or not a Minimarket database"):
        unlock_with_passphrase(slots, "not the passphrase")


def test_the_passphrase_is_compared_in_one_unicode_form(tmp_path, machine):
    composed = unicodedata.normalize("NFC", "contraseña del depósito")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    path = tmp_path / "data" / "keyslots.json"
    key = create_slots(path, composed, machine, profile="fast")
    assert unlock_with_passphrase(path, decomposed) == key


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["slots"][0].update(ciphertext=flip_first_byte(d["slots"][0]["ciphertext"])),
        lambda d: d["slots"][0].update(nonce=flip_first_byte(d["slots"][0]["nonce"])),
        lambda d: d["slots"][0]["kdf"].update(time_cost=2),
        lambda d: d["slots"][0]["kdf"].update(memory_cost=16),
        lambda d: d["slots"][0]["kdf"].update(salt=flip_first_byte(d["slots"][0]["kdf"]["salt"])),
        lambda d: d.update(mac=flip_first_byte(d["mac"])),
        lambda d: d["slots"].pop(1),  # the machine slot dropped
    ],
    ids=["ciphertext", "nonce", "time_cost", "memory_cost", "salt", "mac", "dropped-slot"],
)
def test_an_altered_slot_file_is_refused_as_a_wrong_passphrase(slots, key, tamper):
    edit(slots, tamper)
    with pytest.raises(WrongPassphrase):
        unlock_with_passphrase(slots, PASSPHRASE)


def test_an_altered_machine_slot_is_refused(slots, machine, key):
    edit(slots, lambda d: d["slots"][1].update(
        ciphertext=flip_first_byte(d["slots"][1]["ciphertext"])))
    with pytest.raises(WrongPassphrase, match="altered"):
        unlock_with_machine(slots, machine)


def test_a_missing_slot_file_is_a_clear_error(tmp_path):
    with pytest.raises(KeySlotError, match=r"no key slot file at .*keyslots\.json"):
        unlock_with_passphrase(tmp_path / "keyslots.json", PASSPHRASE)


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b'{"hello": 1}', "not a Minimarket key slot file"),
        (b"[]", "not a Minimarket key slot file"),
    ],
)
def test_a_corrupt_slot_file_is_a_clear_error(tmp_path, content, detail):
    path = tmp_path / "keyslots.json"
    path.write_bytes(content)
    with pytest.raises(KeySlotError, match=detail):
        unlock_with_passphrase(path, PASSPHRASE)


@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        (lambda d: d["slots"][0].update(ciphertext="not base64!"), "ciphertext"),
        (lambda d: d["slots"][0].update(ciphertext=d["slots"][0]["ciphertext"][:-4]), "ciphertext"),
        (lambda d: d["slots"][0]["kdf"].update(memory_cost=2**40), "memory_cost"),
        (lambda d: d["slots"][0]["kdf"].update(time_cost="3"), "time_cost"),
        (lambda d: d["slots"][0]["kdf"].update(name="pbkdf2"), "unknown kdf"),
        (lambda d: d["slots"][0].update(kind="fingerprint"), "unknown slot kind"),
        (lambda d: d["slots"].pop(0), "one passphrase slot"),
        (lambda d: d["slots"].append(d["slots"][0]), "one passphrase slot"),
        (lambda d: d.pop("mac"), "fields"),
    ],
)
def test_a_damaged_slot_file_names_what_is_wrong(slots, key, damage, detail):
    edit(slots, damage)
    with pytest.raises(KeySlotError, match=f"damaged .*{detail}"):
        unlock_with_passphrase(slots, PASSPHRASE)


def test_a_newer_slot_format_asks_for_an_update(slots, key):
    edit(slots, lambda d: d.update(version=2))
    with pytest.raises(KeySlotError, match="format version 2; this Minimarket reads version 1"):
        unlock_with_passphrase(slots, PASSPHRASE)


def test_creating_slots_never_overwrites_an_existing_file(slots, machine, key):
    before = slots.read_bytes()
    with pytest.raises(AlreadyExists):
        create_slots(slots, PASSPHRASE, machine, profile="fast")
    assert slots.read_bytes() == before


@pytest.mark.parametrize("weak", ["", "        ", "short"])
def test_a_weak_passphrase_is_refused_before_anything_is_written(slots, machine, weak):
    with pytest.raises(ValidationError, match="at least 8 characters"):
        create_slots(slots, weak, machine, profile="fast")
    assert not slots.exists()
    assert not machine.path.exists()


def test_an_unknown_profile_is_refused(slots, machine):
    with pytest.raises(ValueError, match="unknown key slot profile"):
        create_slots(slots, PASSPHRASE, machine, profile="test")  # type: ignore[arg-type]


@posix_only
def test_the_machine_secret_is_created_once_with_mode_0600(machine):
    secret = machine.load_or_create_secret()
    assert len(secret) == 32
    assert machine.load_or_create_secret() == secret
    assert machine.load_secret() == secret
    assert stat.S_IMODE(machine.path.stat().st_mode) == 0o600


def test_a_machine_without_a_secret_file_has_no_secret(machine):
    assert machine.load_secret() is None
    assert not machine.path.exists()


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_machine_secret_other_accounts_can_read_is_refused(slots, machine, key, mode):
    os.chmod(machine.path, mode)
    with pytest.raises(UnsafeMachineSecret, match=f"mode {mode:04o} lets other accounts read it"):
        unlock_with_machine(slots, machine)
    with pytest.raises(UnsafeMachineSecret, match="chmod 600"):
        machine.load_or_create_secret()


def test_a_truncated_machine_secret_is_a_clear_error(tmp_path):
    path = tmp_path / "machine.key"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(descriptor, b"short")
    os.close(descriptor)
    with pytest.raises(KeySlotError, match=r"not a machine secret .*found 5"):
        FileMachineSecretStore(path).load_secret()


def test_a_machine_secret_inside_the_data_folder_is_refused(slots):
    inside = FileMachineSecretStore(slots.parent / "machine.key")
    with pytest.raises(ValidationError, match="inside the data folder"):
        create_slots(slots, PASSPHRASE, inside, profile="fast")


def test_another_machine_needs_the_passphrase_until_it_is_bound(tmp_path, slots, machine, key):
    other = FileMachineSecretStore(tmp_path / "other-pc" / "machine.key")
    with pytest.raises(MachineNotBound, match="no machine secret"):
        unlock_with_machine(slots, other)
    other.load_or_create_secret()
    with pytest.raises(MachineNotBound, match="bound to another PC"):
        unlock_with_machine(slots, other)

    add_machine_slot(slots, unlock_with_passphrase(slots, PASSPHRASE), other)

    assert unlock_with_machine(slots, other) == key
    with pytest.raises(MachineNotBound, match="bound to another PC"):
        unlock_with_machine(slots, machine)  # the retired PC's secret no longer opens it
    assert unlock_with_passphrase(slots, PASSPHRASE) == key


def test_a_wrong_key_cannot_be_bound_or_rewrapped(tmp_path, slots, key):
    before = slots.read_bytes()
    other = FileMachineSecretStore(tmp_path / "other-pc" / "machine.key")
    with pytest.raises(WrongPassphrase, match="not the database key"):
        add_machine_slot(slots, os.urandom(32), other)
    with pytest.raises(WrongPassphrase, match="not the database key"):
        change_passphrase(slots, os.urandom(32), "a new passphrase", profile="fast")
    assert slots.read_bytes() == before


def test_changing_the_passphrase_keeps_the_key_and_the_machine_slot(slots, machine, key):
    change_passphrase(slots, key, "una frase nueva y larga", profile="fast")

    assert unlock_with_passphrase(slots, "una frase nueva y larga") == key
    with pytest.raises(WrongPassphrase):
        unlock_with_passphrase(slots, PASSPHRASE)
    assert unlock_with_machine(slots, machine) == key
    assert b"una frase nueva" not in slots.read_bytes()


def test_changing_the_passphrase_uses_a_fresh_salt_and_nonce(slots, key):
    before = read_slot_file(slots).passphrase
    change_passphrase(slots, key, PASSPHRASE, profile="fast")
    after = read_slot_file(slots).passphrase
    assert after.kdf.salt != before.kdf.salt
    assert after.nonce != before.nonce
    assert unlock_with_passphrase(slots, PASSPHRASE) == key


def test_the_default_profile_round_trips(tmp_path, machine):
    path = tmp_path / "data" / "keyslots.json"
    key = create_slots(path, PASSPHRASE, machine)
    assert json.loads(path.read_text())["slots"][0]["kdf"]["memory_cost"] == 64 * 1024
    assert unlock_with_passphrase(path, PASSPHRASE) == key
