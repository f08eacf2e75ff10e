from django.contrib import admin
from django.urls import include, path

from patientportal.core import views as core_views
from patientportal.hub import views as hub_views
from patientportal.portal import invitation_views

urlpatterns = [
    path("", hub_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("account/", hub_views.account, name="account"),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("patientportal.portal.urls")),
    path("invite/", invitation_views.invitation_link, name="invitation_link"),
    path("invite/accept/", invitation_views.invitation_accept_page, name="invitation_accept"),
    path("invite/<str:token>/", invitation_views.invitation_open, name="invitation_open"),
    path("staff/", include("patientportal.staff.urls")),
    path("payments/", include("patientportal.payments.urls")),
    path("dev/outbox/", hub_views.outbox_list, name="outbox_list"),
    path("dev/outbox/<int:message_id>/", hub_views.outbox_detail, name="outbox_detail"),
    path("operator/", admin.site.urls),
]
