"""The virus-scan hook (issue #13): off by default; when configured, clamd's verdict
decides, and a scanner that cannot answer refuses the upload (fail closed)."""

import logging

import pytest

from patientportal.core import virus_scan
from tests.core.fake_clamd import EICAR, FakeClamd, clamd_down_fixture, clamd_fixture  # noqa: F401 - fixtures


def test_without_a_scanner_nothing_is_scanned_and_uploads_go_on(settings):
    settings.CLAMD_ADDRESS = ""
    virus_scan.scan(EICAR)  # no scanner configured: the hook is off


def test_a_clean_file_passes_and_clamd_received_all_of_it(clamd):
    data = bytes(range(256)) * 1000  # several chunks
    virus_scan.scan(data)
    assert clamd.scanned == [data]


def test_an_infected_file_is_refused_naming_what_was_found(clamd, caplog):
    with pytest.raises(virus_scan.VirusFound) as refused:
        virus_scan.scan(b"hello " + EICAR)
    assert "found something harmful in it (Eicar-Test-Signature)" in str(refused.value.message)
    assert "Eicar-Test-Signature" in caplog.text


def test_clamd_on_a_unix_socket(settings, tmp_path):
    server = FakeClamd(unix_path=tmp_path / "clamd.ctl")
    settings.CLAMD_ADDRESS = server.address
    try:
        with pytest.raises(virus_scan.VirusFound):
            virus_scan.scan(EICAR)
        virus_scan.scan(b"a harmless note")
    finally:
        server.close()
    assert server.scanned == [EICAR, b"a harmless note"]


def test_a_scanner_that_cannot_be_reached_refuses_the_upload_and_tells_the_operator(clamd_down, caplog):
    caplog.set_level(logging.ERROR)
    with pytest.raises(virus_scan.ScannerUnavailable) as refused:
        virus_scan.scan(b"a harmless note")
    assert "virus scanner could not check it just now" in str(refused.value.message)
    assert f"Virus scanner at {clamd_down} could not be reached" in caplog.text


@pytest.mark.parametrize("address", ["no-port-here", "/nonexistent/clamd.ctl"])
def test_a_wrong_address_refuses_uploads_rather_than_letting_them_through(settings, address):
    settings.CLAMD_ADDRESS = address
    with pytest.raises(virus_scan.ScannerUnavailable):
        virus_scan.scan(b"a harmless note")
