"""The demo's store PC: enroll a data folder of S1 against the local central, open the app."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

from central.runtime import Central

FOLDER_NAME = "demo-caja"


def display_available() -> bool:
    """Whether a window can be shown: a display and no offscreen platform."""
    if os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def start_demo_desktop(central: Central, base: str) -> None:
    """Open the demo store PC in the background once central answers."""
    folder = central.settings.data_dir.resolve() / FOLDER_NAME
    print(f"  Caja de demostración: {folder} (se abre cuando central responde)", file=sys.stderr)
    threading.Thread(target=open_demo_desktop, args=(central, base, folder), daemon=True).start()


def wait_for(base: str, timeout: float) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def enroll_demo_folder(central: Central, base: str, folder: Path) -> Path:
    """Enroll ``folder`` once (a folder already enrolled is reused); its machine secret.

    The folder's passphrase is random and kept beside it, readable only by this user:
    fine for a demo, never for a real store (its operator chooses the passphrase).
    """
    from central.identity import create_enrollment_token
    from desktop.app.store import enroll

    machine = folder.with_name(folder.name + ".machine")
    if not (folder / "store.db").exists():
        with central.transaction() as (session, _recorder):
            token = create_enrollment_token(session, "S1", ttl_hours=1)
        secret_file = folder.with_name(folder.name + ".passphrase")
        passphrase = secrets.token_urlsafe(18)
        secret_file.touch(mode=0o600)
        secret_file.write_text(passphrase)
        store, _report = enroll(folder, base, token, passphrase=passphrase,
                                machine_secret=machine, name="Caja de demostración")
        try:
            _camera_plays_demo_invoice(store, folder)
        finally:
            store.engine.dispose()
    return machine


def _camera_plays_demo_invoice(store: object, folder: Path) -> None:
    """The demo PC has no webcam: its "camera" plays a clip of a demo supplier invoice."""
    from desktop.app.camera import set_camera_choice
    from desktop.app.store import StoreData
    from minimarket.demo_invoice import write_demo_invoice

    assert isinstance(store, StoreData)
    invoice = write_demo_invoice(folder.with_name(folder.name + "-factura"))
    set_camera_choice(store, invoice.clip)
    print(f"  Factura de demostración para Recepción: {invoice.photo} (la cámara de la caja "
          "reproduce un video de esa factura)", file=sys.stderr)


def open_demo_desktop(central: Central, base: str, folder: Path, *,
                      timeout: float = 60.0) -> subprocess.Popen[bytes] | None:
    if not wait_for(base, timeout):
        return None
    machine = enroll_demo_folder(central, base, folder)
    env = {**os.environ, "MINIMARKET_MACHINE_SECRET": str(machine)}
    command = [sys.executable, "-m", "minimarket", "desktop", "--data", str(folder)]
    return subprocess.Popen(command, env=env)  # noqa: S603 - our interpreter, our arguments
