"""The front-end files the portal needs (installed by `npm ci`) are checked at start-up."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def asset_errors() -> list[checks.CheckMessage]:
    """What the registered system checks report about front-end files (core.E001, core.E002)."""
    return [message for message in checks.run_checks() if message.id in {"core.E001", "core.E002"}]


def test_with_the_installed_packages_nothing_is_reported():
    assert (Path(settings.SIGNATURE_PAD_DIR) / "signature_pad.umd.min.js").is_file()
    assert Path(settings.DOCUMENT_FONT_PATH).is_file()
    assert asset_errors() == []


def test_a_missing_signature_pad_is_an_error_naming_the_file_and_npm_ci(tmp_path):
    missing = tmp_path / "node_modules" / "signature_pad" / "dist"
    with override_settings(SIGNATURE_PAD_DIR=missing):
        errors = asset_errors()
    assert [error.id for error in errors] == ["core.E001"]
    error = errors[0]
    assert error.level == checks.ERROR
    assert str(missing / "signature_pad.umd.min.js") in error.msg
    assert "npm ci" in error.hint


def test_a_missing_document_font_is_an_error_naming_the_file_and_npm_ci(tmp_path):
    missing = tmp_path / "DejaVuSans.ttf"
    with override_settings(DOCUMENT_FONT_PATH=missing):
        errors = asset_errors()
    assert [error.id for error in errors] == ["core.E002"]
    assert errors[0].level == checks.ERROR
    assert str(missing) in errors[0].msg
    assert "npm ci" in errors[0].hint


def test_both_missing_are_both_reported(tmp_path):
    with override_settings(SIGNATURE_PAD_DIR=tmp_path / "none", DOCUMENT_FONT_PATH=tmp_path / "none.ttf"):
        assert sorted(error.id for error in asset_errors()) == ["core.E001", "core.E002"]


def test_manage_py_check_fails_loudly_when_the_font_is_missing(tmp_path):
    missing = tmp_path / "DejaVuSans.ttf"
    clean = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, "DOCUMENT_FONT_PATH": str(missing)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "core.E002" in result.stderr
    assert str(missing) in result.stderr
    assert "npm ci" in result.stderr
