from django import forms
from django.contrib import admin
from django.http import HttpRequest

from patientportal.audit import services as audit
from patientportal.clinics.features import AddOn
from patientportal.clinics.models import Clinic, StaffMembership


class ClinicAdminForm(forms.ModelForm):
    add_ons = forms.MultipleChoiceField(choices=AddOn.choices, required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Clinic
        fields = ["name", "slug", "time_zone", "currency", "tax_rate_bp", "plan", "add_ons", "unpaid_order_hours"]


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    """For operators. Creating a clinic with its owner is also possible with
    `manage.py create_clinic`; every change made here is audited."""

    form = ClinicAdminForm
    list_display = ["name", "slug", "plan", "add_ons", "time_zone", "currency", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StaffMembershipInline]

    def save_model(self, request: HttpRequest, obj: Clinic, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = "clinics.clinic.updated" if change else "clinics.clinic.created"
        audit.record(
            action=action,
            actor=request.user,
            clinic=obj,
            obj=obj,
            metadata={"fields": sorted(form.changed_data), "via": "admin"},
        )

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: object, change: bool) -> None:
        super().save_formset(request, form, formset, change)  # type: ignore[arg-type]
        for membership in getattr(formset, "new_objects", []):
            audit.record(
                action="clinics.staff_member.added",
                actor=request.user,
                clinic=membership.clinic,
                obj=membership,
                metadata={"role": membership.role, "via": "admin"},
            )
        for membership, fields in getattr(formset, "changed_objects", []):
            audit.record(
                action="clinics.staff_member.updated",
                actor=request.user,
                clinic=membership.clinic,
                obj=membership,
                metadata={"fields": fields, "via": "admin"},
            )
        for membership in getattr(formset, "deleted_objects", []):
            audit.record(
                action="clinics.staff_member.removed",
                actor=request.user,
                clinic=membership.clinic,
                metadata={"role": membership.role, "via": "admin"},
            )
