import pytest
from django.test import Client

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_unknown_address_gets_the_friendly_404_page(world):
    response = client_for(world.patient_user_1).get("/no-such-page/")
    assert response.status_code == 404
    assert "couldn’t find that page" in response.text
    assert 'href="#main"' in response.text


def test_a_forbidden_action_gets_the_friendly_403_page(world):
    response = client_for(world.staff_a).post("/staff/alpha/team/", {"email": "a@b.example", "role": "staff"})
    assert response.status_code == 403
    assert "don’t have permission" in response.text


def test_a_form_posted_without_a_valid_csrf_token_gets_a_clear_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@b.example", "password": "x"})
    assert response.status_code == 403
    assert "Your form expired" in response.text


def test_an_unexpected_error_shows_the_500_page_without_details(client, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html
