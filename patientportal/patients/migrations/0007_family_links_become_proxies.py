"""Family access used to be "the child's record carries the parent's email": the parent's
account was linked to the child's record like the child's own. Such links become proxies.

A link is a family member's when its account has a name of its own and that name is not the
record's (first and last name, compared case-insensitively with spaces tidied). Its
relationship is "parent or guardian" for a record of someone under 18 today (in the clinic's
time zone), and "other authorised adult" for an adult's record, whose access must not end at
18 the moment the age-out job runs; its level is full, as before. A link whose account has no
name is left as the patient's own: nothing tells them apart, and leaving it changes nothing.
"""

import datetime
import zoneinfo

from django.db import migrations
from django.utils import timezone


def _name(first: str, last: str) -> str:
    return " ".join(f"{first} {last}".split()).casefold()


def _is_minor(born: datetime.date, today: datetime.date) -> bool:
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1) < 18


def family_links_become_proxies(apps, schema_editor):
    PortalAccess = apps.get_model("patients", "PortalAccess")
    now = timezone.now()
    links = PortalAccess.objects.filter(relationship="self").select_related("user", "patient__clinic")
    for link in links.iterator(chunk_size=2000):
        account = _name(link.user.first_name, link.user.last_name)
        if not account or account == _name(link.patient.first_name, link.patient.last_name):
            continue
        today = now.astimezone(zoneinfo.ZoneInfo(link.patient.clinic.time_zone)).date()
        link.relationship = "parent_guardian" if _is_minor(link.patient.date_of_birth, today) else "other_adult"
        link.level = "full"
        link.proxy_name = f"{link.user.first_name} {link.user.last_name}".strip()
        link.save(update_fields=["relationship", "level", "proxy_name"])


class Migration(migrations.Migration):
    dependencies = [("patients", "0006_proxies")]

    operations = [migrations.RunPython(family_links_become_proxies, migrations.RunPython.noop)]
