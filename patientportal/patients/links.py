"""Links in emails that open a given patient record in the portal.

An account linked to several records (a parent and a child) should land on
the record an email is about. The link carries the record signed with the
site's secret, so only a link we wrote can switch the active record: a
link on another site cannot quietly switch someone to another of their
records (switching by hand is a POST with a CSRF token)."""

from django.core import signing

_SALT = "patientportal.patients.record-link"


def record_link_query(patient_id: int) -> str:
    """The query string to add to a portal URL in an email about this record."""
    return f"?record={signing.dumps(patient_id, salt=_SALT, compress=True)}"


def record_from_link(value: str | None) -> int | None:
    """The patient id a link names, or None for anything we did not sign."""
    if not value:
        return None
    try:
        patient_id = signing.loads(value, salt=_SALT)
    except signing.BadSignature:
        return None
    return patient_id if isinstance(patient_id, int) else None
