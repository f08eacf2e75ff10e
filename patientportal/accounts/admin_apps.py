from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    """Django's admin with our site class as `admin.site`, so every `@admin.register` lands on it.
    Kept apart from apps.py: two AppConfig classes there would stop Django picking AccountsConfig."""

    default_site = "patientportal.accounts.admin_site.OperatorAdminSite"
