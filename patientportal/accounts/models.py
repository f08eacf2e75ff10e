import datetime
from typing import ClassVar, TypedDict, Unpack

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patientportal.accounts.emails import normalize_email


class UserFields(TypedDict, total=False):
    """The fields besides the email address and password that may be given when creating an account."""

    first_name: str
    last_name: str
    is_active: bool
    is_staff: bool
    is_superuser: bool
    date_joined: datetime.datetime


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Unpack[UserFields]) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Unpack[UserFields]) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: one person signing in with an email address.

    Whether the account is clinic staff or a patient is not a property of the
    account; it comes from its StaffMembership and PortalAccess rows, so the
    same person can be staff in one clinic and a patient in another.
    `is_staff` here means only "may open the operators' Django admin".
    """

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator (admin site access)"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # The language the person reads the portal and its emails in: a code of settings.LANGUAGES,
    # chosen on the account page. Only English exists so far; the Spanish translation adds "es".
    preferred_language = models.CharField(_("preferred language"), max_length=10, default="en")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email
