"""The portal's navigation and dashboard cards, each tied to a feature.

A feature adds its menu entry and its dashboard card here, in one place; the
templates show only those whose feature the clinic's plan includes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Count, Window
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from patientportal.clinics.features import Feature
from patientportal.patients.models import Patient


class ActiveRecord(Protocol):
    """What the dashboard cards read of the PortalContext (access.py, which imports this module)."""

    @property
    def patient(self) -> Patient: ...

    @property
    def features(self) -> frozenset[Feature]: ...

    @property
    def full_access(self) -> bool: ...


# A card's template context.
CardContext = dict[str, Any]


@dataclass(frozen=True)
class NavItem:
    feature: Feature
    url_name: str
    label: str | Promise


@dataclass(frozen=True)
class DashboardCard:
    feature: Feature
    template: str
    # Receives the PortalContext, returns the template's context.
    context: Callable[[ActiveRecord], CardContext] = field(default=lambda portal: {})
    full_access_only: bool = False  # hidden from a proxy with limited access, like its page


def _appointments_card(portal: ActiveRecord) -> CardContext:
    from patientportal.scheduling.selectors import upcoming_for_patient

    # The total rides along with the first three as a window count: one query, not two.
    upcoming = upcoming_for_patient(patient=portal.patient, now=timezone.now())
    first = list(upcoming.annotate(upcoming_total=Window(Count("id")))[:3])
    return {"count": first[0].upcoming_total if first else 0, "next": first}


NAV_ITEMS: list[NavItem] = [
    NavItem(Feature.DASHBOARD, "portal:dashboard", _("Home")),
    NavItem(Feature.APPOINTMENTS, "portal:appointments", _("Appointments")),
    NavItem(Feature.SHOP, "portal:shop", _("Shop")),
    NavItem(Feature.ORDERS, "portal:order_list", _("Orders")),
    # Reference documents are part of every plan; signing them needs the Portal Add-on.
    NavItem(Feature.DASHBOARD, "portal:document_list", _("Documents")),
]


def _orders_card(portal: ActiveRecord) -> CardContext:
    from patientportal.orders.selectors import dashboard_counts, orders_for_patient

    return {**dashboard_counts(patient=portal.patient), "recent": list(orders_for_patient(patient=portal.patient)[:3])}


def _documents_card(portal: ActiveRecord) -> CardContext:
    from patientportal.documents.selectors import pending_signature_count

    can_sign = Feature.DOCUMENT_SIGNING in portal.features
    return {"to_sign": pending_signature_count(patient=portal.patient) if can_sign else 0, "can_sign": can_sign}


DASHBOARD_CARDS: list[DashboardCard] = [
    DashboardCard(Feature.APPOINTMENTS, "portal/cards/appointments.html", _appointments_card),
    DashboardCard(Feature.ORDERS, "portal/cards/orders.html", _orders_card),
    DashboardCard(Feature.DASHBOARD, "portal/cards/documents.html", _documents_card),
    # "Who viewed my record" (issue 16): every plan; the card reads nothing.
    DashboardCard(Feature.DASHBOARD, "portal/cards/access_history.html", full_access_only=True),
]


def nav_items_for(features: frozenset[Feature]) -> list[NavItem]:
    return [item for item in NAV_ITEMS if item.feature in features]


def dashboard_cards_for(portal: ActiveRecord) -> list[tuple[DashboardCard, CardContext]]:
    features = portal.features
    return [
        (card, card.context(portal))
        for card in DASHBOARD_CARDS
        if card.feature in features and (portal.full_access or not card.full_access_only)
    ]
