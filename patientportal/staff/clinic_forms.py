"""The clinic settings page: how patients reach the clinic, the clinic's time zone, tax rate and
unpaid-order delay, its appointment reminder times and its appointment policy. Four forms in one
<form>, each in its own fieldset."""

import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import MAX_REMINDERS, REMINDER_HOURS_RANGE, Clinic
from patientportal.clinics.services import CLINIC_CONTACT_FIELDS

# Zone names people pick from ("America/New_York"), not the legacy aliases ("EST5EDT", "posixrules").
TIME_ZONES = sorted(
    zone
    for zone in zoneinfo.available_timezones()
    if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
)
TIME_ZONES.append("UTC")


class ClinicContactForm(forms.ModelForm[Clinic]):
    """Edits a copy of the clinic: the model's own checks (phone, https website) run on it."""

    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Starting with https://"),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    class Meta:
        model = Clinic
        fields = list(CLINIC_CONTACT_FIELDS)
        labels = {
            "phone": _("Phone"),
            "email": _("Email"),
            "street": _("Street address"),
            "street_2": _("Street address, line 2"),
            "city": _("City"),
            "region": _("State, province or region"),
            "postal_code": _("Postal code"),
            "country": _("Country"),
        }
        help_texts = {
            "phone": _(
                "The number patients call, e.g. +1 617-555-0142. With the country code, phones abroad can dial it too."
            ),
            "email": _("Where patients write to the clinic."),
        }
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}

    def changes(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in CLINIC_CONTACT_FIELDS}


class ClinicRulesForm(forms.ModelForm[Clinic]):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), help_text=_("Appointments and dates are shown and typed in this time zone.")
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text=_("Added at checkout to the products marked taxable, e.g. 8.25."),
    )

    class Meta:
        model = Clinic
        fields = ["time_zone", "unpaid_order_hours"]
        labels = {"unpaid_order_hours": _("Cancel unpaid orders after (hours)")}

    field_order = ["time_zone", "tax_rate", "unpaid_order_hours"]

    def __init__(self, data: QueryDict | None = None, *, instance: Clinic, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"tax_rate": Decimal(instance.tax_rate_bp) / 100})
        super().__init__(data, instance=instance, **kwargs)
        zones = TIME_ZONES if instance.time_zone in TIME_ZONES else [instance.time_zone, *TIME_ZONES]
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(zone, zone.replace("_", " ")) for zone in zones]

    def changes(self) -> dict[str, object]:
        return {
            "time_zone": self.cleaned_data["time_zone"],
            "tax_rate_bp": int(self.cleaned_data["tax_rate"] * 100),
            "unpaid_order_hours": self.cleaned_data["unpaid_order_hours"],
        }


REMINDER_FIELDS = ("first_reminder", "second_reminder", "third_reminder")
REMINDER_LABELS = (_("First reminder"), _("Second reminder"), _("Third reminder"))
assert len(REMINDER_FIELDS) == MAX_REMINDERS


class ClinicRemindersForm(forms.Form):
    """Up to three reminder times, in hours before the visit; an empty box is no reminder."""

    def __init__(self, data: QueryDict | None = None, *, instance: Clinic) -> None:
        hours = instance.reminder_hours
        initial = {name: hours[index] if index < len(hours) else None for index, name in enumerate(REMINDER_FIELDS)}
        super().__init__(data, initial=initial)
        low, high = REMINDER_HOURS_RANGE
        for name, label in zip(REMINDER_FIELDS, REMINDER_LABELS, strict=True):
            self.fields[name] = forms.IntegerField(
                label=label,
                required=False,
                min_value=low,
                max_value=high,
                help_text=_("Hours before the visit; leave empty for none."),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: set[int] = set()
        for name in REMINDER_FIELDS:
            hours = cleaned.get(name)
            if hours is None:
                continue
            if hours in seen:
                self.add_error(name, _("Another reminder is already %(hours)s hours before.") % {"hours": hours})
            seen.add(hours)
        return cleaned

    def changes(self) -> dict[str, object]:
        hours = [self.cleaned_data[name] for name in REMINDER_FIELDS if self.cleaned_data[name] is not None]
        return {"appointment_reminder_hours": sorted(hours, reverse=True)}


class ClinicPolicyForm(forms.ModelForm[Clinic]):
    """Until when patients cancel online, whether they may request visits in the portal, and whether
    they may book open times themselves (and how far ahead)."""

    class Meta:
        model = Clinic
        fields = [
            "cancellation_window_hours",
            "accepts_appointment_requests",
            "patients_may_book_online",
            "booking_horizon_weeks",
        ]
        labels = {
            "cancellation_window_hours": _("Patients may cancel online up to (hours before the visit)"),
            "accepts_appointment_requests": _("Accept appointment requests"),
            "patients_may_book_online": _("Patients may book open times online"),
            "booking_horizon_weeks": _("Online booking up to (weeks ahead)"),
        }
        widgets = {
            "cancellation_window_hours": forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
            "booking_horizon_weeks": forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        }

    def changes(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
