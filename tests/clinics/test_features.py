import itertools

import pytest

from patientportal.clinics.features import AddOn, Feature, Plan, clinic_features, features_for
from tests.factories import ClinicFactory

BASIC = {Feature.DASHBOARD, Feature.APPOINTMENTS}
SHOPPING = {Feature.SHOP, Feature.ORDERS}

# PRODUCT.md F-1, written out independently of the code's table.
EXPECTED = {
    (Plan.PROFESSIONAL, ()): BASIC,
    (Plan.PROFESSIONAL, (AddOn.PORTAL,)): BASIC | SHOPPING | {Feature.DOCUMENT_SIGNING},
    (Plan.PREMIUM, ()): BASIC | SHOPPING,
    (Plan.PREMIUM, (AddOn.PORTAL,)): BASIC | SHOPPING | {Feature.DOCUMENT_SIGNING},
}


def all_combinations():
    for plan in Plan:
        for size in range(len(AddOn) + 1):
            for add_ons in itertools.combinations(AddOn, size):
                yield plan, add_ons


def test_every_plan_and_add_on_combination_is_specified():
    assert set(all_combinations()) == set(EXPECTED)


@pytest.mark.parametrize(("plan", "add_ons"), list(EXPECTED))
def test_features_for_each_combination(plan, add_ons):
    assert features_for(plan, add_ons) == EXPECTED[(plan, add_ons)]


@pytest.mark.django_db
def test_a_clinics_features_follow_its_stored_plan_and_add_ons():
    clinic = ClinicFactory(plan=Plan.PROFESSIONAL, add_ons=[])
    assert Feature.SHOP not in clinic_features(clinic)
    clinic.plan = Plan.PREMIUM
    clinic.save()
    clinic.refresh_from_db()
    assert Feature.SHOP in clinic_features(clinic)
    assert Feature.DOCUMENT_SIGNING not in clinic_features(clinic)
