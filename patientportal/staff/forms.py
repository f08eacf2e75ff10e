import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.choices import Role
from patientportal.clinics.models import Clinic
from patientportal.patients.choices import AccessLevel, Relationship


class PatientSearchForm(forms.Form):
    # What a query means is decided by patients.selectors.patient_query.
    q = forms.CharField(
        label=_("Search patients"),
        required=False,
        max_length=100,
        help_text=_(
            "A name or part of one, an email address or its beginning (with the @), "
            "a phone number, or a date of birth (1980-05-17 or 5/17/1980)."
        ),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email, phone or date of birth")}),
    )


class OrderSearchForm(forms.Form):
    """The order queue's search box, and the filter to one patient's orders (the record's
    "All orders of this patient"). The search is an order number, exactly, or what the
    patient search understands (orders.selectors.order_search)."""

    q = forms.CharField(
        label=_("Find an order"),
        required=False,
        max_length=100,
        help_text=_("An order number, or a patient's name, email address (or its beginning) or phone number."),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Order number, name, email or phone")}),
    )
    patient = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def text(self) -> str:
        """The search, spaces tidied; "" if there is none (or it is too long)."""
        self.is_valid()  # each field that is valid is kept, whatever the other
        return " ".join(self.cleaned_data.get("q", "").split())

    def patient_id(self) -> int | None:
        self.is_valid()
        patient: int | None = self.cleaned_data.get("patient")
        return patient


class ListPageForm(forms.Form):
    """Where a long list goes on from (its Next and Previous links): after or before
    the row with this id. Anything else, such as an old `page=3`, starts at the top."""

    after = forms.IntegerField(required=False, min_value=1)
    before = forms.IntegerField(required=False, min_value=1)

    def place(self) -> tuple[int | None, int | None]:
        """(after, before); at most one of them."""
        if not self.is_valid():
            return None, None
        before = self.cleaned_data["before"]
        return (None, before) if before is not None else (self.cleaned_data["after"], None)


class PatientForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def clean_first_name(self) -> str:
        return self._required_text("first_name")

    def clean_last_name(self) -> str:
        return self._required_text("last_name")

    def _required_text(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if not value:
            raise forms.ValidationError(_("This field is required."))
        return value

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def clean_date_of_birth(self) -> datetime.date:
        value = self.cleaned_data["date_of_birth"]
        today = timezone.localtime(timezone.now(), self.clinic.zone).date()  # the clinic's calendar day
        if value > today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if value.year < today.year - 130:
            raise forms.ValidationError(_("Please check the year of birth."))
        return value


class StaffMemberAddForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class PortalEnableForm(forms.Form):
    email = forms.EmailField(
        label=_("Patient's email address"),
        help_text=_("Invitations are sent to this address; the patient must use it for their account."),
    )


class InvitationSendForm(forms.Form):
    expires_in_hours = forms.IntegerField(
        label=_("Link expires after (hours)"),
        initial=48,
        min_value=1,
        max_value=168,
        help_text=_("From 1 hour to 7 days (168 hours). Default 48 hours."),
        error_messages={
            "min_value": _("An invitation must be valid for at least 1 hour."),
            "max_value": _("An invitation can be valid for at most 7 days (168 hours)."),
            "invalid": _("Enter a whole number of hours, for example 48."),
            "required": _("Enter how many hours the link should work, for example 48."),
        },
    )


class ProxyInviteForm(InvitationSendForm):
    """Add a proxy: someone who uses the record on the patient's behalf, with their own account."""

    field_order = ["name", "email", "relationship", "level", "expires_in_hours"]
    name = forms.CharField(label=_("Their name"), max_length=200)
    email = forms.EmailField(
        label=_("Their own email address"),
        help_text=_(
            "The invitation goes here, and they must use it for their account. The record's email stays the patient's."
        ),
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the patient"),
        choices=[(value, label) for value, label in Relationship.choices if value != Relationship.SELF],
        help_text=_("A parent's or guardian's access ends by itself when the patient turns 18."),
    )
    level = forms.ChoiceField(
        label=_("Access"),
        choices=AccessLevel.choices,
        initial=AccessLevel.FULL,
        help_text=_("Appointments and documents only: no shop, cart, orders or receipts."),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the person's name."))
        return name


class ScheduleProvidersForm(forms.Form):
    """Whose appointments the day's schedule shows: one provider, or a page of the
    providers who have appointments that day (a large clinic has hundreds of providers).
    The page looks the provider up among the clinic's own; the picker is drawn by the
    template (a hundred options through Django's widget templates took 20 ms)."""

    provider = forms.IntegerField(required=False, min_value=1)
    page = forms.IntegerField(required=False, min_value=1)

    def provider_id(self) -> int | None:
        return self.cleaned_data["provider"] if self.is_valid() else None

    def page_number(self) -> int:
        return (self.cleaned_data["page"] if self.is_valid() else None) or 1
