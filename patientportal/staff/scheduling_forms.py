import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.models import Clinic
from patientportal.scheduling.choices import APPOINTMENT_TRANSITIONS, AppointmentStatus
from patientportal.scheduling.clock import NonexistentLocalTime, local_to_aware
from patientportal.scheduling.models import MAX_DURATION, MIN_DURATION, Appointment, AppointmentType, Location, Provider
from patientportal.scheduling.selectors import booking_choices
from patientportal.staff.fields import CalendarDateField


class ProviderChoiceField(forms.ModelChoiceField[Provider]):
    def label_from_instance(self, obj: Provider) -> str:
        return obj.display_name


class AppointmentTypeChoiceField(forms.ModelChoiceField[AppointmentType]):
    def label_from_instance(self, obj: AppointmentType) -> str:
        return f"{obj.name} ({obj.duration_minutes} min)"


class AppointmentForm(forms.Form):
    """Date and time are typed in the clinic's time zone."""

    provider = ProviderChoiceField(label=_("Provider"), queryset=Provider.objects.none())
    appointment_type = AppointmentTypeChoiceField(label=_("Appointment type"), queryset=AppointmentType.objects.none())
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), required=False, empty_label=_("No location (e.g. phone)")
    )
    day = CalendarDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        required=False,
        min_value=MIN_DURATION,
        max_value=MAX_DURATION,
        help_text=_("Leave empty to use the appointment type's duration."),
    )
    patient_notes = forms.CharField(
        label=_("Notes for the patient"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the patient in the portal, e.g. “Please arrive 10 minutes early.”"),
    )
    internal_notes = forms.CharField(
        label=_("Internal notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see these. Never shown to the patient."),
    )

    def __init__(self, *args: Any, clinic: Clinic, appointment: Appointment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        choices = booking_choices(clinic=clinic)
        for name, key, model in (
            ("provider", "providers", Provider),
            ("appointment_type", "appointment_types", AppointmentType),
            ("location", "locations", Location),
        ):
            queryset = choices[key]
            current_id = getattr(appointment, f"{name}_id", None) if appointment else None
            if current_id:  # keep an item that became inactive selectable on its own appointment
                queryset = queryset | model.objects.filter(pk=current_id)
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset.distinct()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day, time = cleaned.get("day"), cleaned.get("time")
        if day and time:
            try:
                cleaned["starts_at"] = local_to_aware(day, time, self.clinic.zone)
            except NonexistentLocalTime:
                self.add_error("time", _("This time does not exist on that day: the clocks go forward. Pick another."))
        return cleaned

    @staticmethod
    def initial_for(appointment: Appointment) -> dict[str, object]:
        local = timezone.localtime(appointment.starts_at, appointment.clinic.zone)
        return {
            "provider": appointment.provider_id,
            "appointment_type": appointment.appointment_type_id,
            "location": appointment.location_id,
            "day": local.date(),
            "time": local.time(),
            "duration_minutes": appointment.duration_minutes,
            "patient_notes": appointment.patient_notes,
            "internal_notes": appointment.internal_notes,
        }


class AppointmentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Change status to"))

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = [status for status in AppointmentStatus if status in APPOINTMENT_TRANSITIONS[appointment.status]]
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(status.value, status.label) for status in allowed]


class ScheduleDayForm(forms.Form):
    date = CalendarDateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def day(self, clinic: Clinic) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return timezone.localtime(timezone.now(), clinic.zone).date()


class ProviderForm(forms.ModelForm[Provider]):
    class Meta:
        model = Provider
        fields = ["name", "credentials", "active"]


class LocationForm(forms.ModelForm[Location]):
    class Meta:
        model = Location
        fields = ["name", "address", "phone", "active"]


class AppointmentTypeForm(forms.ModelForm[AppointmentType]):
    class Meta:
        model = AppointmentType
        fields = ["name", "duration_minutes", "colour", "patients_may_cancel", "bookable_online", "active"]


# By kind, as scheduling.selectors.SETUP_MODELS: each form edits the model of its kind.
SETUP_FORMS: dict[str, type[forms.ModelForm[Any]]] = {
    "providers": ProviderForm,
    "locations": LocationForm,
    "appointment-types": AppointmentTypeForm,
}
