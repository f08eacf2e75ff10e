import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.choices import CURRENCIES, Role
from patientportal.clinics.contact import contact_sentence, postal_lines, tel_uri, validate_https_url, validate_phone
from patientportal.clinics.features import AddOn, Plan


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


# Appointment reminders (scheduling.reminders): how many hours before a visit each is due.
DEFAULT_REMINDER_HOURS = (48, 2)
MAX_REMINDERS = 3
REMINDER_HOURS_RANGE = (1, 14 * 24)


def default_reminder_hours() -> list[int]:
    return list(DEFAULT_REMINDER_HOURS)


def validate_reminder_hours(value: object) -> None:
    """0 to 3 different whole numbers of hours, each from 1 to 336 (two weeks)."""
    low, high = REMINDER_HOURS_RANGE
    if (
        not isinstance(value, list)
        or len(value) > MAX_REMINDERS
        or any(isinstance(hours, bool) or not isinstance(hours, int) or not low <= hours <= high for hours in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            _("Reminders must be up to %(most)s different numbers of hours, each from %(low)s to %(high)s."),
            params={"most": MAX_REMINDERS, "low": low, "high": high},
        )


# Self-booking (scheduling.slots): patients see open times this many weeks ahead.
DEFAULT_BOOKING_HORIZON_WEEKS = 4
BOOKING_HORIZON_RANGE = (1, 26)

# Patients may cancel a visit in the portal up to this many hours before it (scheduling.policy).
DEFAULT_CANCELLATION_WINDOW_HOURS = 24
CANCELLATION_WINDOW_RANGE = (0, 14 * 24)


def validate_add_ons(value: object) -> None:
    allowed = set(AddOn.values)
    if not isinstance(value, list) or any(item not in allowed for item in value):
        raise ValidationError(_("Add-ons must be a list of: %(allowed)s."), params={"allowed": ", ".join(allowed)})


class Clinic(models.Model):
    """A tenant. Every clinic-owned row elsewhere carries a `clinic` key."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="USD")
    tax_rate_bp = models.PositiveIntegerField(
        _("tax rate (basis points)"),
        default=0,
        validators=[MaxValueValidator(10000)],
        help_text=_("825 means 8.25 %."),
    )
    plan = models.CharField(_("plan"), max_length=20, choices=Plan.choices, default=Plan.PROFESSIONAL)
    add_ons = models.JSONField(_("add-ons"), default=list, blank=True, validators=[validate_add_ons])
    unpaid_order_hours = models.PositiveIntegerField(
        _("cancel unpaid orders after (hours)"),
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("An order that could be paid but is not, is cancelled after this and its stock returned."),
    )
    appointment_reminder_hours = models.JSONField(
        _("appointment reminders (hours before)"),
        default=default_reminder_hours,
        blank=True,
        validators=[validate_reminder_hours],
        help_text=_("When patients are emailed a reminder of a visit, in hours before it; none for no reminders."),
    )
    # Appointment policy (scheduling.policy): until when patients cancel in the portal (an
    # appointment type can also refuse online cancelling), and whether they may ask for visits.
    cancellation_window_hours = models.PositiveIntegerField(
        _("patients may cancel online up to (hours before the visit)"),
        default=DEFAULT_CANCELLATION_WINDOW_HOURS,
        validators=[MinValueValidator(CANCELLATION_WINDOW_RANGE[0]), MaxValueValidator(CANCELLATION_WINDOW_RANGE[1])],
        help_text=_("Later, the portal asks patients to call or write to the clinic. 0 means until the visit starts."),
    )
    accepts_appointment_requests = models.BooleanField(
        _("accept appointment requests"),
        default=False,
        help_text=_(
            "Patients may ask for a visit or a new time in the portal; your team books or declines each request."
        ),
    )
    # Self-booking (scheduling.slots): patients book open times of the appointment types marked
    # "bookable online", from the providers' working hours, up to the horizon.
    patients_may_book_online = models.BooleanField(
        _("patients may book open times online"),
        default=False,
        help_text=_("Open times come from the providers’ working hours (Scheduling setup)."),
    )
    booking_horizon_weeks = models.PositiveSmallIntegerField(
        _("online booking up to (weeks ahead)"),
        default=DEFAULT_BOOKING_HORIZON_WEEKS,
        validators=[MinValueValidator(BOOKING_HORIZON_RANGE[0]), MaxValueValidator(BOOKING_HORIZON_RANGE[1])],
    )
    # How patients reach the clinic: shown wherever the portal or an email says "contact the
    # clinic". All optional (clinics made before these existed have none); checked by the forms
    # and by full_clean().
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True, validators=[validate_https_url])
    street = models.CharField(_("street address"), max_length=200, blank=True)
    street_2 = models.CharField(_("street address, line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state, province or region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(tax_rate_bp__lte=10000), name="clinic_tax_rate_at_most_100pct"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def reminder_hours(self) -> list[int]:
        """The clinic's reminder times, earliest first (the most hours before the visit first)."""
        return sorted(self.appointment_reminder_hours or [], reverse=True)

    @property
    def address_lines(self) -> list[str]:
        return postal_lines(
            street=self.street,
            street_2=self.street_2,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country=self.country,
        )

    @property
    def phone_uri(self) -> str:
        return tel_uri(self.phone)

    @property
    def has_contact(self) -> bool:
        """Is there anything to show where a page says "contact the clinic"?"""
        return bool(self.phone or self.email or self.website or self.address_lines)

    @property
    def contact_line(self) -> str:
        """Phone and email on one line, for plain-text messages; "" when the clinic has neither."""
        return contact_sentence(phone=self.phone, email=self.email)


class StaffMembershipQuerySet(models.QuerySet["StaffMembership"]):
    def for_clinic(self, clinic: Clinic) -> "StaffMembershipQuerySet":
        return self.filter(clinic=clinic)


class StaffMembership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="staff_memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["clinic__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_user_and_clinic"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.clinic} ({self.get_role_display()})"
