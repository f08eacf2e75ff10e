"""The demo data's history (issue 16, "Done when"): Maria opens "Who viewed my record" and sees the
front desk's visit of this morning; Riverside's owner finds it in the clinic's audit trail."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from patientportal.accounts.models import User
from patientportal.audit.models import AuditEvent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # seed_demo is for development only (pytest-django turns DEBUG off)


def test_maria_sees_the_front_desks_visit_of_this_morning_and_the_owner_finds_it(capsys):
    call_command("seed_demo")
    maria = client_for(User.objects.get(email="maria@patient.example"))
    page = maria.get("/portal/who-viewed-my-record/")
    visit = AuditEvent.objects.get(
        action="patients.patient.viewed",
        actor__email="frontdesk@riverside.example",
        patient__first_name="Maria",
        metadata__page="overview",
    )
    # Today, the demo's last step: after everything else done to the record, the first line Maria sees.
    assert timezone.localdate(visit.occurred_at, visit.clinic.zone) == timezone.localdate(
        timezone.now(), visit.clinic.zone
    )
    rows = re.findall(r"<tr>\s*<td.*?</tr>", page.text, flags=re.S)
    assert "Jordan Blake" in rows[0] and "Viewed your appointments" in rows[0]
    assert "Jordan Blake" in rows[1] and "Viewed your record" in rows[1]
    assert "You" in maria.get("/portal/who-viewed-my-record/?side=own").text
    owner = client_for(User.objects.get(email="owner@riverside.example"))
    trail = owner.get(f"/staff/riverside/audit/?patient={visit.patient_id}")
    assert "Jordan Blake" in trail.text and "Viewed the record" in trail.text
    assert "Leo" not in trail.text  # Harbor's
    ruiz = User.objects.get(email="dr.ruiz@riverside.example")
    by_ruiz = owner.get(f"/staff/riverside/audit/?staff_member={ruiz.pk}").text
    assert "Ana Ruiz" in by_ruiz and "Viewed the document “Lipid panel”" in by_ruiz

    before = AuditEvent.objects.filter(actor__email="frontdesk@riverside.example").count()
    call_command("seed_demo")
    assert AuditEvent.objects.filter(actor__email="frontdesk@riverside.example").count() == before
