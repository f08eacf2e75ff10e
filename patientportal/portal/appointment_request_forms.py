"""The patient's appointment request: what kind of visit (fixed when asking for a new time of a
booked one), with whom and where (or any), two or three preferred times (a day and a part of it,
in the clinic's time zone) and a short reason."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic
from patientportal.scheduling.choices import DayPart
from patientportal.scheduling.models import Appointment, AppointmentType, Location, Provider
from patientportal.scheduling.policy import MAX_WINDOWS, MIN_WINDOWS, REASON_MAX_LENGTH
from patientportal.scheduling.selectors import booking_choices
from patientportal.scheduling.windows import Window

WINDOW_NUMBERS = range(1, MAX_WINDOWS + 1)
WINDOW_LEGENDS = (_("First choice"), _("Second choice"), _("Third choice (optional)"))


class ProviderOrAnyField(forms.ModelChoiceField[Provider]):
    def label_from_instance(self, obj: Provider) -> str:
        return obj.display_name


class AppointmentRequestForm(forms.Form):
    appointment_type = forms.ModelChoiceField(
        label=_("Type of visit"), queryset=AppointmentType.objects.none(), empty_label=_("Choose…")
    )
    provider = ProviderOrAnyField(
        label=_("Provider"), queryset=Provider.objects.none(), required=False, empty_label=_("Any provider")
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), required=False, empty_label=_("Any location")
    )
    reason = forms.CharField(
        label=_("Reason for the visit"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_LENGTH}),
        help_text=_("A few words for the clinic, at most %(most)s characters. For anything urgent, call the clinic.")
        % {"most": REASON_MAX_LENGTH},
    )

    def __init__(
        self,
        *args: Any,
        clinic: Clinic,
        first_day: datetime.date,
        last_day: datetime.date,
        reschedule_of: Appointment | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.first_day, self.last_day = first_day, last_day
        self.reschedule_of = reschedule_of
        choices = booking_choices(clinic=clinic)
        for name, key in (
            ("appointment_type", "appointment_types"),
            ("provider", "providers"),
            ("location", "locations"),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = choices[key]
        if reschedule_of is not None:
            del self.fields["appointment_type"]  # the visit's own type
            reason = self.fields["reason"]
            reason.required = False
            reason.label = _("Anything the clinic should know (optional)")
        for number in WINDOW_NUMBERS:
            required = number <= MIN_WINDOWS
            self.fields[f"day_{number}"] = forms.DateField(
                label=_("Date"),
                required=required,
                widget=forms.DateInput(
                    attrs={"type": "date", "min": first_day.isoformat(), "max": last_day.isoformat()}
                ),
            )
            self.fields[f"part_{number}"] = forms.ChoiceField(
                label=_("Time of day"),
                required=required,
                choices=[("", _("Choose…")), *DayPart.choices],
            )

    def visit_fields(self) -> list[forms.BoundField]:
        """For the template: what kind of visit, with whom and where (the reason goes below, full width)."""
        return [self[name] for name in ("appointment_type", "provider", "location") if name in self.fields]

    def window_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """For the template: each window's legend, and its day and part fields."""
        return [
            (str(legend), [self[f"day_{number}"], self[f"part_{number}"]])
            for number, legend in zip(WINDOW_NUMBERS, WINDOW_LEGENDS, strict=True)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        windows: list[Window] = []
        for number in WINDOW_NUMBERS:
            day, part = cleaned.get(f"day_{number}"), cleaned.get(f"part_{number}")
            if day is None and not part:
                continue
            if day is None or not part:
                if f"day_{number}" not in self.errors and f"part_{number}" not in self.errors:
                    missing = f"day_{number}" if day is None else f"part_{number}"
                    self.add_error(missing, _("Choose both a day and a time of day, or neither."))
                continue
            if not self.first_day <= day <= self.last_day:
                self.add_error(
                    f"day_{number}",
                    _("Choose a day from %(first)s to %(last)s.")
                    % {"first": self.first_day.strftime("%b %-d"), "last": self.last_day.strftime("%b %-d, %Y")},
                )
                continue
            window = Window(day=day, part=part)
            if window in windows:
                self.add_error(f"day_{number}", _("This time is already one of your choices."))
                continue
            windows.append(window)
        cleaned["windows"] = windows
        return cleaned

    def request_values(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        appointment_type = (
            self.reschedule_of.appointment_type if self.reschedule_of is not None else data["appointment_type"]
        )
        return {
            "appointment_type": appointment_type,
            "provider": data["provider"],
            "location": data["location"],
            "windows": data["windows"],
            "reason": data["reason"],
            "reschedule_of": self.reschedule_of,
        }
