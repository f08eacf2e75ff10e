"""A provider's working week and its exceptions, as staff type them (local times of the clinic's clock)."""

import datetime
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic
from patientportal.scheduling.models import Location
from patientportal.scheduling.working_hours import LONGEST_EXCEPTION_DAYS

TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _location_field(clinic: Clinic) -> forms.ModelChoiceField[Location]:
    return forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.for_clinic(clinic).active(),
        required=False,
        empty_label=_("No particular location"),
    )


class WorkingHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=sorted(WEEKDAYS.items()), coerce=int)
    starts = forms.TimeField(label=_("From"), widget=TIME_INPUT)
    ends = forms.TimeField(label=_("Until"), widget=TIME_INPUT)

    def __init__(self, data: QueryDict | None = None, *, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["location"] = _location_field(clinic)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if starts and ends and ends <= starts:
            self.add_error("ends", _("The end must be after the start."))
        return cleaned


class WorkingExceptionForm(forms.Form):
    first_day = forms.DateField(label=_("From"), widget=DATE_INPUT)
    last_day = forms.DateField(
        label=_("Until"), required=False, widget=DATE_INPUT, help_text=_("Leave empty for one day.")
    )
    starts = forms.TimeField(
        label=_("Working from"), required=False, widget=TIME_INPUT, help_text=_("Leave both times empty for days off.")
    )
    ends = forms.TimeField(label=_("Working until"), required=False, widget=TIME_INPUT)
    note = forms.CharField(label=_("Note (staff only)"), required=False, max_length=120)

    def __init__(self, data: QueryDict | None = None, *, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["location"] = _location_field(clinic)
        self.order_fields(["first_day", "last_day", "starts", "ends", "location", "note"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and not last:
            cleaned["last_day"] = last = first
        if first and last:
            if last < first:
                self.add_error("last_day", _("The last day must not be before the first."))
            elif last - first > datetime.timedelta(days=LONGEST_EXCEPTION_DAYS):
                self.add_error("last_day", _("An exception can last a year at most."))
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if (starts is None) != (ends is None) and not self.has_error("starts") and not self.has_error("ends"):
            self.add_error("ends", _("Give both times, or neither for days off."))
        elif starts and ends and ends <= starts:
            self.add_error("ends", _("The end must be after the start."))
        return cleaned
