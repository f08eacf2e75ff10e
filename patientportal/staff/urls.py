from django.urls import path

from patientportal.staff import (
    audit_views,
    catalog_views,
    clinic_views,
    document_views,
    email_views,
    order_refund_views,
    order_views,
    portal_access_views,
    proxy_views,
    scheduling_views,
    verify_views,
    views,
)

app_name = "staff"

urlpatterns = [
    path("", views.choose_clinic, name="choose_clinic"),
    path("<slug:clinic_slug>/", views.home, name="home"),
    path("<slug:clinic_slug>/patients/", views.patient_list, name="patient_list"),
    path("<slug:clinic_slug>/patients/new/", views.patient_create, name="patient_create"),
    path("<slug:clinic_slug>/patients/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("<slug:clinic_slug>/patients/<int:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/portal/enable/",
        portal_access_views.portal_enable_view,
        name="portal_enable",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/portal/disable/",
        portal_access_views.portal_disable_view,
        name="portal_disable",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/proxies/",
        proxy_views.proxy_invite_view,
        name="proxy_invite",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/proxies/<int:access_id>/revoke/",
        proxy_views.proxy_revoke_view,
        name="proxy_revoke",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/invitations/",
        portal_access_views.invitation_send_view,
        name="invitation_send",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/invitations/<int:invitation_id>/revoke/",
        portal_access_views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/invitations/<int:invitation_id>/resend/",
        email_views.invitation_resend_view,
        name="invitation_resend",
    ),
    path("<slug:clinic_slug>/emails/<int:delivery_id>/resend/", email_views.email_resend_view, name="email_resend"),
    path("<slug:clinic_slug>/schedule/", scheduling_views.schedule_day, name="schedule_day"),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/appointments/",
        scheduling_views.patient_appointments,
        name="patient_appointments",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/appointments/new/",
        scheduling_views.appointment_create,
        name="appointment_create",
    ),
    path(
        "<slug:clinic_slug>/appointments/<int:appointment_id>/edit/",
        scheduling_views.appointment_edit,
        name="appointment_edit",
    ),
    path(
        "<slug:clinic_slug>/appointments/<int:appointment_id>/status/",
        scheduling_views.appointment_status,
        name="appointment_status",
    ),
    path(
        "<slug:clinic_slug>/appointments/<int:appointment_id>/cancel/",
        scheduling_views.appointment_cancel,
        name="appointment_cancel",
    ),
    path("<slug:clinic_slug>/setup/<slug:kind>/", scheduling_views.setup_list, name="setup_list"),
    path("<slug:clinic_slug>/setup/<slug:kind>/new/", scheduling_views.setup_edit, name="setup_create"),
    path("<slug:clinic_slug>/setup/<slug:kind>/<int:item_id>/", scheduling_views.setup_edit, name="setup_edit"),
    path("<slug:clinic_slug>/products/", catalog_views.product_list, name="product_list"),
    path("<slug:clinic_slug>/products/new/", catalog_views.product_create, name="product_create"),
    path("<slug:clinic_slug>/products/<int:product_id>/", catalog_views.product_edit, name="product_edit"),
    path("<slug:clinic_slug>/products/<int:product_id>/stock/", catalog_views.product_stock, name="product_stock"),
    path(
        "<slug:clinic_slug>/products/<int:product_id>/image/<slug:size>/",
        catalog_views.product_image,
        name="product_image",
    ),
    path("<slug:clinic_slug>/orders/", order_views.order_queue, name="order_queue"),
    path("<slug:clinic_slug>/orders/<int:order_id>/", order_views.order_detail, name="order_detail"),
    path("<slug:clinic_slug>/orders/<int:order_id>/refunds/new/", order_refund_views.order_refund, name="order_refund"),
    path(
        "<slug:clinic_slug>/orders/<int:order_id>/<slug:action>/",
        order_views.order_action,
        name="order_action",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/documents/",
        document_views.patient_documents,
        name="patient_documents",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/documents/new/",
        document_views.document_upload_page,
        name="document_upload",
    ),
    path("<slug:clinic_slug>/documents/<int:document_id>/", document_views.document_detail, name="document_detail"),
    path("<slug:clinic_slug>/documents/<int:document_id>/file/", document_views.document_file, name="document_file"),
    path(
        "<slug:clinic_slug>/documents/<int:document_id>/pages/<int:page>.png",
        document_views.document_page,
        name="document_page",
    ),
    path(
        "<slug:clinic_slug>/documents/<int:document_id>/signed-copy.pdf",
        document_views.signed_copy,
        name="signed_copy",
    ),
    path(
        "<slug:clinic_slug>/documents/<int:document_id>/signature.png",
        document_views.signature_image,
        name="signature_image",
    ),
    path(
        "<slug:clinic_slug>/documents/<int:document_id>/withdraw/",
        document_views.signature_withdraw_view,
        name="signature_withdraw",
    ),
    path(
        "<slug:clinic_slug>/documents/<int:document_id>/request-signature/",
        document_views.signature_request_view,
        name="signature_request",
    ),
    path("<slug:clinic_slug>/signed-copies/verify/", verify_views.signed_copy_verify_page, name="signed_copy_verify"),
    path("<slug:clinic_slug>/team/", views.team, name="team"),
    path("<slug:clinic_slug>/team/<int:membership_id>/remove/", views.team_remove, name="team_remove"),
    path("<slug:clinic_slug>/settings/", clinic_views.clinic_settings, name="clinic_settings"),
    path("<slug:clinic_slug>/audit/", audit_views.audit_trail, name="audit_trail"),
    path("<slug:clinic_slug>/audit/export.csv", audit_views.audit_trail_export, name="audit_trail_export"),
]
