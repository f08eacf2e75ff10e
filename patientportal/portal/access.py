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
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from patientportal.accounts.http import SignedInRequest
from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.clinics.features import Feature, clinic_features
from patientportal.clinics.models import Clinic
from patientportal.patients.choices import LEVEL_FEATURES, AccessLevel
from patientportal.patients.links import record_from_link
from patientportal.patients.models import Patient, PortalAccess
from patientportal.patients.selectors import portal_accesses_for_user
from patientportal.portal.navigation import NavItem, nav_items_for

SESSION_ACTIVE_ACCESS = "portal_active_access_id"


@dataclass
class PortalContext:
    """The record in use and what this account may open in it: `features` is the clinic's plan
    (`clinic_features`) narrowed to the link's access level (a proxy with appointments and
    documents only has no shop, cart or orders)."""

    user: User
    access: PortalAccess
    accesses: list[PortalAccess]
    clinic_features: frozenset[Feature]

    @cached_property
    def features(self) -> frozenset[Feature]:
        return self.clinic_features & LEVEL_FEATURES[self.access.level]

    @property
    def patient(self) -> Patient:
        return self.access.patient

    @property
    def is_proxy(self) -> bool:
        return self.access.is_proxy

    @property
    def full_access(self) -> bool:
        return self.access.level == AccessLevel.FULL

    @property
    def viewer_name(self) -> str:
        """The signed-in person's own first name: the account's, else the name on their link."""
        if self.user.first_name:
            return self.user.first_name
        if self.is_proxy and self.access.proxy_name:
            return self.access.proxy_name.split()[0]
        return self.patient.first_name if not self.is_proxy else self.user.email

    @property
    def signed_in_as(self) -> str:
        """The signed-in person's full name, as the proxy note at the top of each page says it."""
        own = f"{self.user.first_name} {self.user.last_name}".strip()
        return own or self.access.proxy_name or self.user.email

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
    return PortalContext(
        user=request.user, access=active, accesses=accesses, clinic_features=clinic_features(active.patient.clinic)
    )


def portal_view(
    feature: Feature = Feature.DASHBOARD, *, full_access_only: bool = False
) -> Callable[[PortalViewFunction[P]], WrappedViewFunction[P]]:
    """Deny by default. A feature outside the clinic's plan shows "not available" (403); one
    outside the link's access level, or a `full_access_only` page for a limited proxy, is a 404,
    as if it did not exist. A proxy's view runs as theirs, on the patient's behalf (audit)."""

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
            if feature not in portal.clinic_features:
                return render(request, "portal/feature_unavailable.html", {"portal": portal}, status=403)
            if feature not in portal.features or (full_access_only and not portal.full_access):
                raise Http404
            if not portal.is_proxy:
                return view(portal_request, *args, **kwargs)
            with audit.acting_on_behalf(patient=portal.patient, relationship=portal.access.relationship):
                return view(portal_request, *args, **kwargs)

        return wrapper

    return decorator
