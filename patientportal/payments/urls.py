from django.urls import path

from patientportal.payments import views

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("test/<str:reference>/", views.test_checkout, name="test_checkout"),
]
