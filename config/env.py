"""Read settings from environment variables, failing loudly on bad values.

A typo in a production variable must stop the process at start-up rather than
silently fall back to a development default.
"""

import os

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(TRUE_VALUES | FALSE_VALUES)}, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key_problem(key: str) -> str | None:
    """Why a production SECRET_KEY is not good enough, or None: Django's own rule (the one
    `check --deploy` only warns about, security.W009), enforced. Sessions, password-reset
    links and CSRF tokens are signed with it."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long, got {len(key)}."
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"SECRET_KEY starts with {SECRET_KEY_INSECURE_PREFIX!r} (made by startproject): generate a new one."
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"SECRET_KEY must use at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters."
    return None
