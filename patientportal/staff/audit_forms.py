"""The filters of the clinic's audit trail. Choices are allow-lists (the clinic's team, the
kinds of action); request data never becomes a keyword of an ORM call."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patientportal.activity.words import KINDS
from patientportal.clinics.models import StaffMembership
from patientportal.staff.fields import CalendarDateField

MOST_DAYS = 366 * 6  # HIPAA keeps six years: a range longer than that is a typing mistake


class AuditTrailForm(forms.Form):
    q = forms.CharField(
        label=_("Patient"),
        required=False,
        max_length=100,
        help_text=_("A name, email address (or its beginning), phone number or date of birth."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    # One patient, from a record's "Audit trail" link or a patient's name in the list.
    patient = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    staff_member = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("Everything")), *((kind.key, kind.label) for kind in KINDS)]
    )
    since = CalendarDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = CalendarDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self, *args: Any, team: list[StaffMembership], also: tuple[int, str] | None = None, **kwargs: Any
    ) -> None:
        """`team`: the clinic's members to choose from; `also`: someone else who acted in the
        clinic (a former member, an operator), chosen by a link in the list."""
        super().__init__(*args, **kwargs)
        people = [
            (membership.user_id, f"{membership.user.get_full_name()} · {membership.get_role_display()}")
            for membership in team
        ]
        if also is not None and also[0] not in {user_id for user_id, _name in people}:
            people.append(also)
        field = self.fields["staff_member"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Anyone")), *people]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since: datetime.date | None = cleaned.get("since")
        until: datetime.date | None = cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must be on or after the start date."))
        elif since and until and (until - since).days > MOST_DAYS:
            self.add_error("until", _("Choose at most six years."))
        return cleaned

    def search_text(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())
