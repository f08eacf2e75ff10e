"""Who is using the portal, for which patient record, with which features.

Deny by default: every portal view is wrapped in `portal_view`, which requires
a signed-in account with an active link to the record it is using, and checks
the clinic's plan for the view's feature on every request (a plan change or a
disabled link takes effect on the next request).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from patientportal.accounts.http import SignedInRequest
from patientportal.clinics.features import Feature, clinic_features
from patientportal.clinics.models import Clinic
from patientportal.patients.links import record_from_link
from patientportal.patients.models import Patient, PortalAccess
from patientportal.patients.selectors import portal_accesses_for_user
from patientportal.portal.navigation import NavItem, nav_items_for

SESSION_ACTIVE_ACCESS = "portal_active_access_id"


@dataclass
class PortalContext:
    access: PortalAccess
    accesses: list[PortalAccess]
    features: frozenset[Feature]

    @property
    def patient(self) -> Patient:
        return self.access.patient

    @property
    def clinic(self) -> Clinic:
        return self.access.patient.clinic

    @property
    def nav_items(self) -> list[NavItem]:
        return nav_items_for(self.features)

    @cached_property
    def cart_count(self) -> int:
        """The header badge: one query, and only where the clinic has the shop."""
        from patientportal.orders.cart import cart_item_count

        return cart_item_count(patient=self.patient) if Feature.SHOP in self.features else 0


class PortalRequest(SignedInRequest):
    """The request a view wrapped in `portal_view` receives: a signed-in account
    and the record it is using. Only a type: at run time it is Django's request,
    to which `portal_view` has attached `portal`."""

    portal: PortalContext
    htmx: HtmxDetails  # django_htmx's middleware attaches it to every request


P = ParamSpec("P")
PortalViewFunction = Callable[Concatenate[PortalRequest, P], HttpResponseBase]
WrappedViewFunction = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def portal_context_for(request: SignedInRequest) -> PortalContext | None:
    accesses = portal_accesses_for_user(user=request.user)
    if not accesses:
        return None
    stored_id = chosen_id = request.session.get(SESSION_ACTIVE_ACCESS)
    # A link in an email about one record opens that record, if it is one of the account's own:
    # someone managing a family member's record lands on the right one.
    wanted = record_from_link(request.GET.get("record"))
    linked_to = next((access for access in accesses if wanted is not None and access.patient_id == wanted), None)
    if linked_to:
        chosen_id = linked_to.pk
    # Until the person switches, the record linked first (usually their own) is the active one.
    first_linked = min(accesses, key=lambda access: (access.created_at, access.pk))
    active = next((access for access in accesses if access.pk == chosen_id), first_linked)
    if stored_id != active.pk:
        request.session[SESSION_ACTIVE_ACCESS] = active.pk
    return PortalContext(access=active, accesses=accesses, features=clinic_features(active.patient.clinic))


def portal_view(feature: Feature = Feature.DASHBOARD) -> Callable[[PortalViewFunction[P]], WrappedViewFunction[P]]:
    def decorator(view: PortalViewFunction[P]) -> WrappedViewFunction[P]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # Signed in: the request is what PortalRequest describes once its record is attached below.
            portal_request = cast(PortalRequest, request)
            portal = portal_context_for(portal_request)
            if portal is None:
                return render(request, "portal/no_access.html", status=403)
            portal_request.portal = portal
            if feature not in portal.features:
                return render(request, "portal/feature_unavailable.html", {"portal": portal}, status=403)
            return view(portal_request, *args, **kwargs)

        return wrapper

    return decorator
