"""Opening what lives in the data directory: the vault and its master key."""

from __future__ import annotations

from service.config import Settings
from service.storage import ensure_dir
from service.vault import Vault, load_master_key


def open_vault(settings: Settings) -> Vault:
    """The encrypted store, its master key from the setting or the key file (made on first
    use with mode 0600)."""
    storage = settings.storage
    ensure_dir(storage.data_dir)
    secret = storage.master_key.get_secret_value() if storage.master_key else None
    return Vault(storage.vault_path, load_master_key(storage.master_key_path, secret))
