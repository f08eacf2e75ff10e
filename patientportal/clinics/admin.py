from django import forms
from django.contrib import admin
from django.http import HttpRequest

from patientportal.audit import services as audit
from patientportal.clinics.features import AddOn
from patientportal.clinics.models import Clinic, StaffMembership


class ClinicAdminForm(forms.ModelForm[Clinic]):
    add_ons = forms.MultipleChoiceField(choices=AddOn.choices, required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Clinic
        fields = ["name", "slug", "time_zone", "currency", "tax_rate_bp", "plan", "add_ons", "unpaid_order_hours"]


TEAM_FIELDS = ("user", "role", "created_at")


class StaffMembershipInline(admin.TabularInline[StaffMembership, Clinic]):
    """The team, to read. Adding and removing people goes through the clinic's
    Team page (or `manage.py create_clinic`), whose services send the welcome
    email, audit the change and keep the last owner from being removed."""

    model = StaffMembership
    extra = 0
    fields = TEAM_FIELDS
    readonly_fields = TEAM_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Clinic | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Clinic | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Clinic | None = None) -> bool:
        return False


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin[Clinic]):
    """For operators. Creating a clinic with its owner is also possible with
    `manage.py create_clinic`; every change made here is audited."""

    form = ClinicAdminForm
    list_display = ["name", "slug", "plan", "add_ons", "time_zone", "currency", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StaffMembershipInline]

    def save_model(self, request: HttpRequest, obj: Clinic, form: forms.ModelForm[Clinic], change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = "clinics.clinic.updated" if change else "clinics.clinic.created"
        audit.record(
            action=action,
            actor=request.user,
            clinic=obj,
            obj=obj,
            metadata={"fields": sorted(form.changed_data), "via": "admin"},
        )
