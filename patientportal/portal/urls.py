from django.urls import path

from patientportal.portal import appointment_views, views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("switch/", views.switch_record, name="switch_record"),
    path("appointments/", appointment_views.appointments, name="appointments"),
    path(
        "appointments/<int:appointment_id>/calendar.ics",
        appointment_views.appointment_calendar_file,
        name="appointment_calendar_file",
    ),
]
