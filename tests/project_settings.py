"""config/settings.py as it comes out of a given environment, for tests of what the settings
derive from environment variables (override_settings alone would skip the derivation)."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "config" / "settings.py"


def settings_from_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """A fresh copy of the settings module, read with these environment variables set."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def apply(settings, module: ModuleType, *words: str) -> None:
    """Copy every setting of `module` whose name contains one of `words` onto pytest-django's `settings`."""
    for name in dir(module):
        if name.isupper() and any(word in name for word in words):
            setattr(settings, name, getattr(module, name))
