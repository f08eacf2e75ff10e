from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "patientportal.orders"
    label = "orders"
