from django.urls import path

from patientportal.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.choose_clinic, name="choose_clinic"),
    path("<slug:clinic_slug>/", views.home, name="home"),
    path("<slug:clinic_slug>/patients/", views.patient_list, name="patient_list"),
    path("<slug:clinic_slug>/patients/new/", views.patient_create, name="patient_create"),
    path("<slug:clinic_slug>/patients/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("<slug:clinic_slug>/patients/<int:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path("<slug:clinic_slug>/team/", views.team, name="team"),
    path("<slug:clinic_slug>/team/<int:membership_id>/remove/", views.team_remove, name="team_remove"),
]
