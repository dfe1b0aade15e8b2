"""The store's encrypted database: a data folder holding ``store.db`` and its key slots.

``store.db`` is SQLCipher under a random raw key; ``keyslots.json`` beside it holds that
key wrapped by the operator passphrase and by this machine (see
:mod:`shared.security.keyslots`). Opening tries the machine slot first, so a bound PC
needs no passphrase; a replaced PC opens the old folder with the passphrase and is then
bound with :func:`bind_store_database`. Back up the two files together.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from sqlalchemy import Engine

from shared.db.engine import open_sqlcipher
from shared.db.migrate import upgrade
from shared.domain.errors import AlreadyExists, AuthError, NotFound
from shared.security.keyslots import (
    SLOT_FILE_NAME,
    MachineNotBound,
    MachineSecretStore,
    Profile,
    add_machine_slot,
    change_passphrase,
    create_slots,
    unlock_with_machine,
    unlock_with_passphrase,
)

STORE_DATABASE_FILE = "store.db"
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class NoStoreDatabase(NotFound):
    """The data folder does not exist or holds no store database."""


class PassphraseRequired(AuthError):
    """The database is not bound to this machine and no passphrase was given."""


def create_store_database(data_dir: Path | str, passphrase: str,
                          machine_store: MachineSecretStore, *,
                          profile: Profile = "default") -> Engine:
    """Create ``data_dir`` (0700), its key slots and a migrated ``store.db``.

    Refuses (:class:`AlreadyExists`) a folder that already holds either file.
    """
    data_dir = Path(data_dir)
    database, slots = data_dir / STORE_DATABASE_FILE, data_dir / SLOT_FILE_NAME
    for existing in (database, slots):
        if existing.exists():
            raise AlreadyExists(f"{data_dir} already holds a store database ({existing.name}); "
                                "refusing to overwrite it")
    key = create_slots(slots, passphrase, machine_store, profile=profile)
    try:
        engine = open_sqlcipher(database, key, create=True)
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
    except BaseException:
        # Leave no half-made database behind, so that creating again simply works.
        for leftover in (database, *_side_files(database), slots):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        raise
    return engine


def open_store_database(data_dir: Path | str, *, passphrase: str | None = None,
                        machine_store: MachineSecretStore | None = None) -> Engine:
    """Open the store database in ``data_dir``: machine slot first, else the passphrase.

    :class:`NoStoreDatabase` (nothing is created), :class:`PassphraseRequired`,
    :class:`~shared.domain.errors.WrongPassphrase`, or
    :class:`~shared.security.keyslots.KeySlotError` for a missing or damaged slot file.
    The caller migrates (``shared.db.migrate.upgrade``) when the app starts.
    """
    database, key = _unlock(Path(data_dir), passphrase, machine_store)
    return open_sqlcipher(database, key)


def bind_store_database(data_dir: Path | str, passphrase: str,
                        machine_store: MachineSecretStore) -> None:
    """Bind the store database in ``data_dir`` to this machine (a replaced PC).

    The passphrase proves the operator's consent; the database must open with the key
    before the slot is written, so a stray slot file cannot be bound by mistake.
    """
    database, key = _unlock(Path(data_dir), passphrase, None)
    open_sqlcipher(database, key).dispose()
    add_machine_slot(database.with_name(SLOT_FILE_NAME), key, machine_store)


def change_store_passphrase(data_dir: Path | str, passphrase: str, new_passphrase: str, *,
                            profile: Profile = "default") -> None:
    """Rewrap the database key under ``new_passphrase``; the database itself is untouched."""
    database, key = _unlock(Path(data_dir), passphrase, None)
    open_sqlcipher(database, key).dispose()
    change_passphrase(database.with_name(SLOT_FILE_NAME), key, new_passphrase, profile=profile)


def _side_files(database: Path) -> list[Path]:
    return [database.with_name(database.name + suffix) for suffix in _SQLITE_SIDE_FILES]


def _unlock(data_dir: Path, passphrase: str | None,
            machine_store: MachineSecretStore | None) -> tuple[Path, bytes]:
    database, slots = data_dir / STORE_DATABASE_FILE, data_dir / SLOT_FILE_NAME
    if not data_dir.is_dir():
        raise NoStoreDatabase(f"no store database: the folder {data_dir} does not exist")
    if not database.is_file():
        raise NoStoreDatabase(f"no store database in {data_dir} ({STORE_DATABASE_FILE} is "
                              "missing); enroll this PC to create one")
    if machine_store is not None:
        try:
            return database, unlock_with_machine(slots, machine_store)
        except MachineNotBound:
            if passphrase is None:
                raise PassphraseRequired(
                    f"this PC is not bound to the store database in {data_dir}: give the "
                    "operator passphrase (MINIMARKET_STORE_PASSPHRASE)"
                ) from None
    if passphrase is None:
        raise PassphraseRequired(f"the store database in {data_dir} needs the operator "
                                 "passphrase (MINIMARKET_STORE_PASSPHRASE)")
    return database, unlock_with_passphrase(slots, passphrase)
