from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_fails():
    with mock.patch("patientportal.core.views.connection.cursor", side_effect=RuntimeError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
