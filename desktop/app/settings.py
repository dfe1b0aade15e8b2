"""The store desktop app's settings: the shared ones plus its own (one class, STYLE.md)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.settings import Settings


class DesktopSettings(Settings):
    # A store PC has none of HQ's secrets: its own live in its data folder.
    production_required: ClassVar[tuple[str, ...]] = ()

    #: Seconds between background syncs (a person can always sync at once).
    sync_interval_seconds: float = Field(
        60.0, gt=0, le=24 * 3600, validation_alias="MINIMARKET_SYNC_INTERVAL")


def load_desktop_settings() -> DesktopSettings:
    """The environment read once (``ConfigError`` names a bad variable)."""
    settings = DesktopSettings.load()
    assert isinstance(settings, DesktopSettings)
    return settings
