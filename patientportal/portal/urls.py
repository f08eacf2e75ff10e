from django.urls import path

from patientportal.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("switch/", views.switch_record, name="switch_record"),
]
