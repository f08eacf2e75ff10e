from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "patientportal.payments"
    label = "payments"
