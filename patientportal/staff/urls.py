from django.urls import path

from patientportal.staff import portal_access_views, views

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
        "<slug:clinic_slug>/patients/<int:patient_id>/invitations/",
        portal_access_views.invitation_send_view,
        name="invitation_send",
    ),
    path(
        "<slug:clinic_slug>/patients/<int:patient_id>/invitations/<int:invitation_id>/revoke/",
        portal_access_views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("<slug:clinic_slug>/team/", views.team, name="team"),
    path("<slug:clinic_slug>/team/<int:membership_id>/remove/", views.team_remove, name="team_remove"),
]
