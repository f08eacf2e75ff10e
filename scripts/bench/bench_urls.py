"""The portal's URLs plus three reference views the benchmark compares the pages with.

- hello: Django's hello world, the unit of the ratios.
- hello signed in: the same for a signed-in account, so the session and the account are
  read; what any signed-in page of any Django site costs at least.
- portal frame: an empty portal page: the record and plan are looked up, the page is audited
  as a read and the portal's frame (header, cart badge, navigation, footer) is rendered; what
  every portal page costs before its own content.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path

from patientportal.patients.services import patient_record_viewed
from patientportal.portal.access import PortalRequest, portal_view


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world")


@login_required
def hello_signed_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, signed-in world")


@portal_view()
def portal_frame(request: PortalRequest) -> HttpResponse:
    patient_record_viewed(patient=request.portal.patient, actor=request.user, what="bench.portal_frame")
    return render(request, "portal/base.html")


urlpatterns = [
    path("bench/hello/", hello),
    path("bench/hello-signed-in/", hello_signed_in),
    path("bench/portal-frame/", portal_frame),
    path("", include("config.urls")),
]
