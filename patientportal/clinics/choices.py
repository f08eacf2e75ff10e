from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    PROVIDER = "provider", _("Provider")


# Roles that may manage the clinic's team (add and remove staff members).
TEAM_MANAGER_ROLES = frozenset({Role.OWNER})
# Roles that may change the clinic's settings (contact, time zone, tax rate, unpaid-order delay).
CLINIC_SETTINGS_ROLES = frozenset({Role.OWNER, Role.ADMIN})
# Roles that may read the clinic's audit trail and download it (every patient's events).
AUDIT_TRAIL_ROLES = frozenset({Role.OWNER, Role.ADMIN})

CURRENCIES = [
    ("USD", "USD — US dollar"),
    ("CAD", "CAD — Canadian dollar"),
    ("EUR", "EUR — Euro"),
    ("GBP", "GBP — Pound sterling"),
    ("AUD", "AUD — Australian dollar"),
    ("NZD", "NZD — New Zealand dollar"),
    ("CHF", "CHF — Swiss franc"),
]
