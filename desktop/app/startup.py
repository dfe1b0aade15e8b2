"""Opening a data folder for the desktop app: what it needs before anyone logs in (no Qt).

A folder without a database needs enrollment; a database that this PC's machine slot
does not open needs the operator passphrase (and may then be bound to this PC so the
next start needs nothing). The schema is brought up to date on every open.
"""

from __future__ import annotations

from pathlib import Path

from desktop.app.store import StoreData, open_store
from shared.db.migrate import upgrade
from shared.db.store_database import (
    STORE_DATABASE_FILE,
    PassphraseRequired,
    bind_store_database,
)
from shared.security.keyslots import FileMachineSecretStore


def needs_enrollment(data_dir: Path) -> bool:
    """True when ``data_dir`` holds no store database yet (this PC is not enrolled)."""
    return not (data_dir / STORE_DATABASE_FILE).is_file()


def open_for_desktop(data_dir: Path, *, machine_secret: Path, passphrase: str | None = None,
                     bind: bool = False) -> StoreData:
    """Open and migrate the folder's database.

    Raises :class:`PassphraseRequired` when the machine slot does not open it and no
    passphrase was given. With ``bind``, a passphrase that opens it also binds it to this
    PC's machine secret, so later starts open it without asking.
    """
    if passphrase is not None and bind:
        bind_store_database(data_dir, passphrase,
                            FileMachineSecretStore(machine_secret.expanduser()))
    store = open_store(data_dir, passphrase=passphrase, machine_secret=machine_secret)
    upgrade(store.engine)
    return store


__all__ = ["PassphraseRequired", "needs_enrollment", "open_for_desktop"]
