"""Every URL gets the same four checks: anonymous, another patient, another
clinic, right user (STYLE.md §10)."""

from django.test import Client

from tests.conftest import client_for


def assert_staff_url_is_scoped(world, url: str, *, method: str = "get", data: dict | None = None) -> None:
    """Anonymous → sign in; a patient or another clinic's staff → 404; the clinic's staff → 200."""

    def call(client: Client):
        return getattr(client, method)(url, data or {})

    anonymous = call(Client())
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/"), url
    assert call(client_for(world.patient_user_1)).status_code == 404, url
    assert call(client_for(world.owner_b)).status_code == 404, url
    allowed = call(client_for(world.staff_a))
    assert allowed.status_code in (200, 302), url
    if allowed.status_code == 302:  # a redirect onwards, never back to signing in
        assert not allowed["Location"].startswith("/accounts/login/"), url
