from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from patientportal.audit.models import AuditEvent

if TYPE_CHECKING:
    # ModelAdmin is generic only in the stubs (nothing calls django_stubs_ext.monkeypatch()).
    AuditEventAdminBase = admin.ModelAdmin[AuditEvent]
else:
    AuditEventAdminBase = admin.ModelAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(AuditEventAdminBase):
    list_display = [
        "occurred_at",
        "action",
        "actor_email",
        "clinic",
        "patient_id",
        "object_type",
        "object_id",
        "ip_address",
    ]
    list_filter = ["action", "clinic"]
    search_fields = ["action", "actor_email", "object_id", "request_id"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
