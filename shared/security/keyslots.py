"""Key slots: the store database's raw key, wrapped by a passphrase and by this machine.

The store database is SQLCipher with a random 256-bit raw key (no key stretching per
connection). The key itself is never written down; ``keyslots.json`` beside the
database holds it wrapped with AES-256-GCM, twice:

- the **passphrase slot**: operator passphrase (Unicode NFC, UTF-8) -> Argon2id with the
  parameters stored in the slot -> 32-byte key-encryption key;
- the **machine slot**: a random 32-byte secret kept outside the data folder by a
  :class:`MachineSecretStore` (a file only this account may read), used directly as the
  key-encryption key: it is random, so there is nothing to stretch.

Each slot's metadata (kind, KDF parameters, machine id, nonce) is the associated data of
its ciphertext, and the whole file carries an HMAC under a subkey of the database key:
an edited parameter, a swapped or dropped slot shows on unlock as
:class:`WrongPassphrase`, never as a silently weaker file. The MAC also proves that the
key handed to :func:`add_machine_slot` or :func:`change_passphrase` is this file's key,
so a slip cannot lock the operator out.

File format, version 1 (binary values in standard base64, ``memory_cost`` in KiB)::

    {"format": "minimarket-keyslots", "version": 1,
     "slots": [{"kind": "passphrase",
                "kdf": {"name": "argon2id", "version": 19, "salt": "…", "time_cost": 3,
                        "memory_cost": 65536, "parallelism": 1},
                "nonce": "…", "ciphertext": "…"},
               {"kind": "machine", "machine_id": "<32 hex>", "nonce": "…",
                "ciphertext": "…"}],
     "mac": "…"}

Exactly one passphrase slot; at most one machine slot: binding the file to another
machine replaces it, so a retired PC's secret no longer opens the database.
Nothing here logs; the key, the passphrase and the machine secret only live in memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from argon2.exceptions import HashingError
from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.domain.errors import AlreadyExists, MinimarketError, ValidationError, WrongPassphrase

SLOT_FILE_NAME = "keyslots.json"
FORMAT = "minimarket-keyslots"
FORMAT_VERSION = 1
KEY_BYTES = 32  # the SQLCipher raw key, an AES-256 key-encryption key, a machine secret
NONCE_BYTES = 12
SALT_BYTES = 16
MAC_BYTES = 32
MIN_PASSPHRASE_LENGTH = 8
MAX_SLOT_FILE_BYTES = 64 * 1024

_MAC_INFO = b"minimarket/keyslots/mac/v1"
_MACHINE_ID_INFO = b"minimarket/keyslots/machine-id/v1"
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class KeySlotError(MinimarketError):
    """The key slot file or the machine secret is missing, damaged or unusable."""

    status_code = 500


class MachineNotBound(KeySlotError):
    """This machine holds no secret, or the key slots are bound to another machine."""

    status_code = 401


class UnsafeMachineSecret(KeySlotError):
    """The machine secret file could be read by other accounts, so it is not used."""


# --- Argon2id cost profiles ----------------------------------------------------------

Profile = Literal["default", "fast"]


@dataclass(frozen=True)
class KdfCost:
    time_cost: int
    memory_cost: int  # KiB
    parallelism: int


PROFILES: dict[str, KdfCost] = {
    # ~0.2 s on a store PC: paid once per unlock, not per connection.
    "default": KdfCost(time_cost=3, memory_cost=64 * 1024, parallelism=1),
    # Argon2's smallest parameters, for tests. An argument, never an environment variable.
    "fast": KdfCost(time_cost=1, memory_cost=8, parallelism=1),
}

# Accepted when reading: Argon2's floor, and a ceiling so that a damaged file cannot make
# an unlock allocate gigabytes or run for minutes.
_COST_LIMITS = {"time_cost": (1, 64), "memory_cost": (8, 4 * 1024 * 1024), "parallelism": (1, 16)}


def _cost(profile: str) -> KdfCost:
    if profile not in PROFILES:
        raise ValueError(f"unknown key slot profile {profile!r}; use one of {sorted(PROFILES)}")
    return PROFILES[profile]


# --- The slot file as values ---------------------------------------------------------


@dataclass(frozen=True)
class KdfParams:
    salt: bytes
    time_cost: int
    memory_cost: int  # KiB
    parallelism: int


@dataclass(frozen=True)
class PassphraseSlot:
    kdf: KdfParams
    nonce: bytes
    ciphertext: bytes

    def metadata(self) -> dict[str, Any]:
        kdf = self.kdf
        return {
            "kind": "passphrase",
            "kdf": {
                "name": "argon2id",
                "version": ARGON2_VERSION,
                "salt": _b64(kdf.salt),
                "time_cost": kdf.time_cost,
                "memory_cost": kdf.memory_cost,
                "parallelism": kdf.parallelism,
            },
            "nonce": _b64(self.nonce),
        }


@dataclass(frozen=True)
class MachineSlot:
    machine_id: str
    nonce: bytes
    ciphertext: bytes

    def metadata(self) -> dict[str, Any]:
        return {"kind": "machine", "machine_id": self.machine_id, "nonce": _b64(self.nonce)}


@dataclass(frozen=True)
class SlotFile:
    passphrase: PassphraseSlot
    machine: MachineSlot | None
    mac: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _slot_json(slot: PassphraseSlot | MachineSlot) -> dict[str, Any]:
    return {**slot.metadata(), "ciphertext": _b64(slot.ciphertext)}


def _associated_data(slot: PassphraseSlot | MachineSlot) -> bytes:
    return _canonical({"format": FORMAT, "version": FORMAT_VERSION, "slot": slot.metadata()})


def _body(passphrase: PassphraseSlot, machine: MachineSlot | None) -> dict[str, Any]:
    slots: list[PassphraseSlot | MachineSlot] = [passphrase]
    if machine is not None:
        slots.append(machine)
    return {"format": FORMAT, "version": FORMAT_VERSION, "slots": [_slot_json(s) for s in slots]}


def _mac(key: bytes, passphrase: PassphraseSlot, machine: MachineSlot | None) -> bytes:
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_MAC_INFO).derive(key)
    return hmac.new(mac_key, _canonical(_body(passphrase, machine)), hashlib.sha256).digest()


def seal(key: bytes, passphrase: PassphraseSlot, machine: MachineSlot | None) -> SlotFile:
    return SlotFile(passphrase, machine, _mac(key, passphrase, machine))


def matches(slot_file: SlotFile, key: bytes) -> bool:
    """True when ``key`` is the database key this slot file was sealed with."""
    expected = _mac(key, slot_file.passphrase, slot_file.machine)
    return hmac.compare_digest(expected, slot_file.mac)


def encode_slot_file(slot_file: SlotFile) -> bytes:
    document = {
        **_body(slot_file.passphrase, slot_file.machine),
        "mac": _b64(slot_file.mac),
    }
    return (json.dumps(document, indent=2) + "\n").encode("ascii")


# --- Wrapping (pure) -----------------------------------------------------------------


_Slot = TypeVar("_Slot", PassphraseSlot, MachineSlot)


def _encrypt(kek: bytes, key: bytes, empty: _Slot) -> _Slot:
    """``empty`` with the key encrypted under ``kek``, its metadata as associated data."""
    return replace(empty, ciphertext=AESGCM(kek).encrypt(empty.nonce, key,
                                                         _associated_data(empty)))


def _decrypt(kek: bytes, slot: PassphraseSlot | MachineSlot) -> bytes | None:
    try:
        key = AESGCM(kek).decrypt(slot.nonce, slot.ciphertext, _associated_data(slot))
    except InvalidTag:
        return None
    return key if len(key) == KEY_BYTES else None


def _passphrase_kek(passphrase: str, kdf: KdfParams) -> bytes:
    # NFC, so that "ñ" typed on one system matches "ñ" typed on another.
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hash_secret_raw(
        secret, kdf.salt, time_cost=kdf.time_cost, memory_cost=kdf.memory_cost,
        parallelism=kdf.parallelism, hash_len=KEY_BYTES, type=Type.ID, version=ARGON2_VERSION,
    )


def wrap_with_passphrase(key: bytes, passphrase: str, cost: KdfCost) -> PassphraseSlot:
    kdf = KdfParams(secrets.token_bytes(SALT_BYTES), cost.time_cost, cost.memory_cost,
                    cost.parallelism)
    empty = PassphraseSlot(kdf, secrets.token_bytes(NONCE_BYTES), b"")
    return _encrypt(_passphrase_kek(passphrase, kdf), key, empty)


def unwrap_passphrase_slot(slot: PassphraseSlot, passphrase: str) -> bytes:
    """The database key; :class:`WrongPassphrase` for a wrong passphrase or an edited slot."""
    try:
        kek = _passphrase_kek(passphrase, slot.kdf)
    except HashingError:
        raise WrongPassphrase() from None
    key = _decrypt(kek, slot)
    if key is None:
        raise WrongPassphrase()
    return key


def machine_id(secret: bytes) -> str:
    """A public name for a machine secret: which machine a slot belongs to, nothing more."""
    return hmac.new(secret, _MACHINE_ID_INFO, hashlib.sha256).hexdigest()[:32]


def wrap_with_machine_secret(key: bytes, secret: bytes) -> MachineSlot:
    empty = MachineSlot(machine_id(secret), secrets.token_bytes(NONCE_BYTES), b"")
    return _encrypt(secret, key, empty)


# --- Machine secrets -----------------------------------------------------------------


class MachineSecretStore(Protocol):
    """Where this machine keeps its 32-byte secret (the OS keyring, or a private file)."""

    def load_secret(self) -> bytes | None:
        """This machine's secret, or None when it has none yet."""
        ...

    def load_or_create_secret(self) -> bytes:
        """This machine's secret, made (randomly, once) if it has none yet."""
        ...


class FileMachineSecretStore:
    """A machine secret in a file only the account running the app may read (0600).

    The file belongs outside the data folder (in the account's private configuration
    folder), so that a copy of the data folder does not carry its own key. On Windows the
    mode bits say nothing (NTFS uses ACLs); the file's place in the user profile protects it.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"FileMachineSecretStore({str(self.path)!r})"

    def load_secret(self) -> bytes | None:
        try:
            descriptor = os.open(self.path, os.O_RDONLY | _O_BINARY)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise KeySlotError(f"cannot read the machine secret {self.path}: "
                               f"{error.strerror}") from None
        with os.fdopen(descriptor, "rb") as handle:
            self._check_private(os.fstat(handle.fileno()))
            secret = handle.read(KEY_BYTES + 1)
        if len(secret) != KEY_BYTES:
            raise KeySlotError(
                f"{self.path} is not a machine secret ({KEY_BYTES} bytes expected, "
                f"found {len(secret)}): delete it and bind this PC again with the operator "
                "passphrase"
            )
        return secret

    def load_or_create_secret(self) -> bytes:
        existing = self.load_secret()
        if existing is not None:
            return existing
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Write a complete private file under a temporary name, then link it into place:
        # a link never replaces a file, so two processes cannot end up with two secrets,
        # and no one reads a half-written one.
        _write_new_file(self.path, secrets.token_bytes(KEY_BYTES), replace_existing=False,
                        exists_ok=True)
        created = self.load_secret()
        if created is None:
            raise KeySlotError(f"the machine secret {self.path} vanished as it was created")
        return created

    def _check_private(self, status: os.stat_result) -> None:
        if sys.platform == "win32":
            return
        if not stat.S_ISREG(status.st_mode):
            raise UnsafeMachineSecret(f"the machine secret {self.path} is not a regular file")
        if status.st_uid != os.geteuid():
            raise UnsafeMachineSecret(
                f"refusing the machine secret {self.path}: it belongs to another account "
                f"(uid {status.st_uid}), not to the one running Minimarket (uid {os.geteuid()})"
            )
        mode = stat.S_IMODE(status.st_mode)
        if mode & 0o077:
            raise UnsafeMachineSecret(
                f"refusing the machine secret {self.path}: its mode {mode:04o} lets other "
                "accounts read it. Delete it and bind this PC again with the operator "
                f"passphrase, or, if no one else can have read it, run  chmod 600 {self.path}"
            )


def _refuse_secret_beside(slot_path: Path, machine_store: MachineSecretStore) -> None:
    if not isinstance(machine_store, FileMachineSecretStore):
        return
    folder = slot_path.parent.resolve()
    if machine_store.path.resolve().is_relative_to(folder):
        raise ValidationError(
            f"the machine secret {machine_store.path} is inside the data folder {folder}: "
            "a copy of the folder would carry its own key; keep the secret in the "
            "account's private configuration folder"
        )


# --- Files ---------------------------------------------------------------------------


def _fsync_directory(folder: Path) -> None:
    if sys.platform == "win32":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_new_file(path: Path, data: bytes, *, replace_existing: bool,
                    exists_ok: bool = False) -> None:
    """Write ``data`` to ``path`` (mode 0600) so that readers see all of it or nothing."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace_existing:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                if not exists_ok:
                    raise AlreadyExists(
                        f"{path} already exists; refusing to overwrite it: it may be the "
                        "only way into an existing store database"
                    ) from None
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _damaged(path: Path, detail: str) -> KeySlotError:
    return KeySlotError(f"the key slot file {path} is damaged ({detail}); "
                        "restore it from the backup made with the database")


def read_slot_file(path: Path | str) -> SlotFile:
    """Parse ``keyslots.json``; :class:`KeySlotError` when it is missing or malformed."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SLOT_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeySlotError(
            f"no key slot file at {path}: the store database cannot be unlocked without it; "
            f"restore {path.name} from the backup made with the database"
        ) from None
    except OSError as error:
        raise KeySlotError(f"cannot read the key slot file {path}: {error.strerror}") from None
    if len(data) > MAX_SLOT_FILE_BYTES:
        raise _damaged(path, "too large")
    try:
        document = json.loads(data)
    except ValueError:
        raise _damaged(path, "not JSON") from None
    try:
        return _parse(document)
    except _Malformed as problem:
        raise _damaged(path, str(problem)) from None
    except _NewerFormat as problem:
        raise KeySlotError(f"the key slot file {path} has format version {problem}; this "
                           f"Minimarket reads version {FORMAT_VERSION}: update it") from None


def _write_slot_file(path: Path, slot_file: SlotFile, *, replace_existing: bool) -> None:
    _write_new_file(path, encode_slot_file(slot_file), replace_existing=replace_existing)


# --- Parsing -------------------------------------------------------------------------


class _Malformed(Exception):
    pass


class _NewerFormat(Exception):
    pass


def _fields(value: Any, what: str, names: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(f"{what} is not an object")
    if set(value) != names:
        raise _Malformed(f"{what} has fields {sorted(value)}, expected {sorted(names)}")
    return value


def _integer(value: Any, what: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Malformed(f"{what} is not an integer from {low} to {high}")
    return value


def _binary(value: Any, what: str, length: int) -> bytes:
    try:
        data = base64.b64decode(value, validate=True) if isinstance(value, str) else None
    except binascii.Error:
        data = None
    if data is None or len(data) != length or _b64(data) != value:
        raise _Malformed(f"{what} is not {length} bytes in base64")
    return data


def _parse(document: Any) -> SlotFile:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _Malformed("not a Minimarket key slot file")
    version = document.get("version")
    if type(version) is int and version > FORMAT_VERSION:
        raise _NewerFormat(str(version))
    document = _fields(document, "the file", {"format", "version", "slots", "mac"})
    _integer(version, "version", FORMAT_VERSION, FORMAT_VERSION)
    slots = document["slots"]
    if not isinstance(slots, list):
        raise _Malformed("slots is not a list")
    passphrase = [_parse_passphrase_slot(s) for s in slots if _kind(s) == "passphrase"]
    machine = [_parse_machine_slot(s) for s in slots if _kind(s) == "machine"]
    if len(passphrase) != 1 or len(machine) > 1 or len(slots) != len(passphrase) + len(machine):
        raise _Malformed("expected one passphrase slot and at most one machine slot")
    mac = _binary(document["mac"], "mac", MAC_BYTES)
    return SlotFile(passphrase[0], machine[0] if machine else None, mac)


def _kind(slot: Any) -> str | None:
    kind = slot.get("kind") if isinstance(slot, dict) else None
    if kind not in ("passphrase", "machine"):
        raise _Malformed(f"unknown slot kind {kind!r}")
    return str(kind)


def _parse_passphrase_slot(raw: Any) -> PassphraseSlot:
    slot = _fields(raw, "the passphrase slot", {"kind", "kdf", "nonce", "ciphertext"})
    kdf = _fields(slot["kdf"], "kdf", {"name", "version", "salt", "time_cost", "memory_cost",
                                       "parallelism"})
    if kdf["name"] != "argon2id":
        raise _Malformed(f"unknown kdf {kdf['name']!r}")
    _integer(kdf["version"], "kdf version", ARGON2_VERSION, ARGON2_VERSION)
    costs = {name: _integer(kdf[name], name, *limits) for name, limits in _COST_LIMITS.items()}
    if costs["memory_cost"] < 8 * costs["parallelism"]:
        raise _Malformed("memory_cost is below 8 KiB per lane")
    params = KdfParams(salt=_binary(kdf["salt"], "salt", SALT_BYTES), **costs)
    return PassphraseSlot(params, _binary(slot["nonce"], "nonce", NONCE_BYTES),
                          _binary(slot["ciphertext"], "ciphertext", KEY_BYTES + 16))


def _parse_machine_slot(raw: Any) -> MachineSlot:
    slot = _fields(raw, "the machine slot", {"kind", "machine_id", "nonce", "ciphertext"})
    name = slot["machine_id"]
    if not isinstance(name, str) or len(name) != 32 or name.strip("0123456789abcdef"):
        raise _Malformed("machine_id is not 32 hex digits")
    return MachineSlot(name, _binary(slot["nonce"], "nonce", NONCE_BYTES),
                       _binary(slot["ciphertext"], "ciphertext", KEY_BYTES + 16))


# --- Public operations ---------------------------------------------------------------


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase.strip()) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(
            f"the operator passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters"
        )


def create_slots(path: Path | str, passphrase: str, machine_store: MachineSecretStore, *,
                 profile: Profile = "default") -> bytes:
    """Make a random database key, write its slot file at ``path``, and return the key.

    Refuses (:class:`AlreadyExists`) to replace an existing slot file.
    """
    path = Path(path)
    check_new_passphrase(passphrase)
    cost = _cost(profile)
    if path.exists():
        raise AlreadyExists(f"{path} already exists; refusing to overwrite it: it may be the "
                            "only way into an existing store database")
    _refuse_secret_beside(path, machine_store)
    key = secrets.token_bytes(KEY_BYTES)
    machine = wrap_with_machine_secret(key, machine_store.load_or_create_secret())
    slot_file = seal(key, wrap_with_passphrase(key, passphrase, cost), machine)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_slot_file(path, slot_file, replace_existing=False)
    return key


def unlock_with_passphrase(path: Path | str, passphrase: str) -> bytes:
    """The database key, or :class:`WrongPassphrase` (wrong passphrase, or an edited file)."""
    slot_file = read_slot_file(path)
    key = unwrap_passphrase_slot(slot_file.passphrase, passphrase)
    if not matches(slot_file, key):
        raise WrongPassphrase(f"the key slot file {path} was altered")
    return key


def unlock_with_machine(path: Path | str, machine_store: MachineSecretStore) -> bytes:
    """The database key through this machine's slot.

    :class:`MachineNotBound` when this machine has no secret or the slots belong to another
    machine (ask for the passphrase then); :class:`WrongPassphrase` for an edited file.
    """
    slot_file = read_slot_file(path)
    secret = machine_store.load_secret()
    if secret is None:
        raise MachineNotBound("this PC holds no machine secret yet: open the store database "
                              "with the operator passphrase")
    slot = slot_file.machine
    if slot is None or not hmac.compare_digest(slot.machine_id, machine_id(secret)):
        raise MachineNotBound(f"the key slots in {path} are bound to another PC: open the "
                              "store database with the operator passphrase")
    key = _decrypt(secret, slot)
    if key is None or not matches(slot_file, key):
        raise WrongPassphrase(f"the key slot file {path} was altered")
    return key


def _checked(path: Path, key: bytes) -> SlotFile:
    slot_file = read_slot_file(path)
    if not matches(slot_file, key):
        raise WrongPassphrase(f"the key given is not the database key of {path} "
                              "(or the file was altered)")
    return slot_file


def add_machine_slot(path: Path | str, key: bytes, machine_store: MachineSecretStore) -> None:
    """Bind the slot file to this machine (replacing another machine's slot).

    For a replaced PC: the operator unlocks the old database with the passphrase, then
    this machine opens it by itself from then on.
    """
    path = Path(path)
    _refuse_secret_beside(path, machine_store)
    slot_file = _checked(path, key)
    machine = wrap_with_machine_secret(key, machine_store.load_or_create_secret())
    _write_slot_file(path, seal(key, slot_file.passphrase, machine), replace_existing=True)


def change_passphrase(path: Path | str, key: bytes, new_passphrase: str, *,
                      profile: Profile = "default") -> None:
    """Wrap the same database key under a new passphrase (fresh salt and nonce)."""
    path = Path(path)
    check_new_passphrase(new_passphrase)
    cost = _cost(profile)
    slot_file = _checked(path, key)
    passphrase = wrap_with_passphrase(key, new_passphrase, cost)
    _write_slot_file(path, seal(key, passphrase, slot_file.machine), replace_existing=True)
