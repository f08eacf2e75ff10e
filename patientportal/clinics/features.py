"""Plans, add-ons and the portal features they give (PRODUCT.md F-1).

This table is the only place that knows which plan includes what. Everything
else asks `clinic_features(clinic)` or `clinic_has_feature(clinic, feature)`.
"""

from collections.abc import Iterable
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    PREMIUM = "premium", _("Premium")


class AddOn(models.TextChoices):
    PORTAL = "portal", _("Portal Add-on")


class Feature(models.TextChoices):
    DASHBOARD = "dashboard", _("Dashboard")
    APPOINTMENTS = "appointments", _("View appointments")
    SHOP = "shop", _("Browse & order products")
    ORDERS = "orders", _("View orders")
    DOCUMENT_SIGNING = "document_signing", _("Sign documents")


PLAN_FEATURES: dict[str, frozenset[Feature]] = {
    Plan.PROFESSIONAL: frozenset({Feature.DASHBOARD, Feature.APPOINTMENTS}),
    Plan.PREMIUM: frozenset({Feature.DASHBOARD, Feature.APPOINTMENTS, Feature.SHOP, Feature.ORDERS}),
}

ADD_ON_FEATURES: dict[str, frozenset[Feature]] = {
    AddOn.PORTAL: frozenset(
        {Feature.DASHBOARD, Feature.APPOINTMENTS, Feature.SHOP, Feature.ORDERS, Feature.DOCUMENT_SIGNING}
    ),
}


def features_for(plan: str, add_ons: Iterable[str]) -> frozenset[Feature]:
    """A plan's features together with those of every add-on."""
    features = set(PLAN_FEATURES[plan])
    for add_on in add_ons:
        features |= ADD_ON_FEATURES[add_on]
    return frozenset(features)


class PlanHolder(Protocol):
    """What the table needs of a clinic (`models.Clinic`, which imports this module)."""

    @property
    def plan(self) -> str: ...

    @property
    def add_ons(self) -> Iterable[str]: ...


def clinic_features(clinic: PlanHolder) -> frozenset[Feature]:
    return features_for(clinic.plan, clinic.add_ons)


def clinic_has_feature(clinic: PlanHolder, feature: Feature) -> bool:
    return feature in clinic_features(clinic)
