from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    PROVIDER = "provider", _("Provider")


# Roles that may manage the clinic's team (add and remove staff members).
TEAM_MANAGER_ROLES = frozenset({Role.OWNER})

CURRENCIES = [
    ("USD", "USD — US dollar"),
    ("CAD", "CAD — Canadian dollar"),
    ("EUR", "EUR — Euro"),
    ("GBP", "GBP — Pound sterling"),
    ("AUD", "AUD — Australian dollar"),
    ("NZD", "NZD — New Zealand dollar"),
    ("CHF", "CHF — Swiss franc"),
]
