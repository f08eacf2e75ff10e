"""Accounts in the operators' admin. Nobody sets or sees another person's password here:
a new account gets none and its owner chooses one from a password-reset email, and the
"Send a password reset email" action is how an operator helps someone locked out.
The address is read-only too: changing it and then resetting would be the same takeover,
and allauth's email-address, confirmation and two-factor admins are replaced by read-only ones."""

from typing import Any

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patientportal.accounts.emails import normalize_email
from patientportal.accounts.http import signed_in_user
from patientportal.accounts.models import User
from patientportal.accounts.services import user_create_without_password, user_password_reset_send


class OperatorUserCreationForm(forms.ModelForm[User]):
    """An account by its email address and name only: no password field."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


def _operator(request: HttpRequest) -> User:
    user = signed_in_user(request)
    assert user is not None  # every admin page is behind OperatorAdminSite.has_permission
    return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "first_name", "last_name"]})]
    add_form = OperatorUserCreationForm
    add_form_template = None  # Django's asks for a password; the plain change form asks for what we need
    filter_horizontal = []
    list_filter = ["is_active", "is_staff"]
    actions = ["send_password_reset"]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        return ["email", "last_login", "date_joined"] if obj is not None else []

    def get_urls(self) -> list[URLPattern]:
        # Django's "<id>/password/" page sets a password for someone else: not offered at all.
        return [url for url in super().get_urls() if getattr(url, "name", "") != "auth_user_password_change"]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        raise Http404

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        operator = _operator(request)
        created = user_create_without_password(
            email=obj.email, first_name=obj.first_name, last_name=obj.last_name, actor=operator
        )
        # The admin goes on with `obj` (its log entry, the redirect to the new account's page).
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()
        user_password_reset_send(request=request, user=created, actor=operator)
        messages.info(request, _("A password reset email was sent to %(email)s.") % {"email": created.email})

    @admin.action(description=_("Send a password reset email"))
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        operator = _operator(request)
        sent = sum(user_password_reset_send(request=request, user=user, actor=operator) for user in queryset)
        skipped = queryset.count() - sent
        messages.success(
            request,
            ngettext(
                "Password reset email sent to %(count)d account.",
                "Password reset email sent to %(count)d accounts.",
                sent,
            )
            % {"count": sent},
        )
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)d inactive account was skipped.", "%(count)d inactive accounts were skipped.", skipped
                )
                % {"count": skipped},
            )


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """To look at, never to change: each of these changes would hand an account to whoever
    makes it (a verified address of one's own, then "Forgot password?"; removing someone's
    second factor; a confirmation key). People change them on their own account pages."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


for _model in (EmailAddress, EmailConfirmation, Authenticator):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(EmailAddress)
class EmailAddressAdmin(ReadOnlyAdmin):
    list_display = ["email", "user", "primary", "verified"]
    list_filter = ["primary", "verified"]
    search_fields = ["email", "user__email"]
    actions = None


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    fields = ["user", "type", "created_at", "last_used_at"]  # never the secret or the recovery codes
    actions = None
