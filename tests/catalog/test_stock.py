import threading

import pytest
from django.db import connection, connections

from patientportal.audit.models import AuditEvent
from patientportal.catalog.choices import StockReason
from patientportal.catalog.errors import CatalogError
from patientportal.catalog.models import Product, StockAdjustment
from patientportal.catalog.services import stock_adjust
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_an_adjustment_changes_stock_and_keeps_history(world):
    product = ProductFactory(clinic=world.clinic_a, stock=5)
    stock_adjust(product=product, change=12, reason=StockReason.RESTOCK, note="Delivery 42", actor=world.staff_a)
    stock_adjust(product=product, change=-2, reason=StockReason.DAMAGED, actor=world.staff_a)
    assert Product.objects.get(pk=product.pk).stock == 15
    history = list(
        StockAdjustment.objects.filter(product=product)
        .order_by("id")
        .values_list("change", "stock_after", "reason", "note")
    )
    assert history == [(12, 17, "restock", "Delivery 42"), (-2, 15, "damaged", "")]
    assert AuditEvent.objects.filter(action="catalog.stock.adjusted").count() == 2


def test_stock_never_goes_below_zero(world):
    product = ProductFactory(clinic=world.clinic_a, stock=3)
    with pytest.raises(CatalogError) as refused:
        stock_adjust(product=product, change=-4, reason=StockReason.COUNT, actor=world.staff_a)
    assert refused.value.code == "stock_negative"
    assert "only 3 in stock" in str(refused.value.message)
    assert Product.objects.get(pk=product.pk).stock == 3
    assert not StockAdjustment.objects.exists()


def test_a_zero_change_is_refused(world):
    with pytest.raises(CatalogError):
        stock_adjust(product=ProductFactory(clinic=world.clinic_a), change=0, reason="count", actor=world.staff_a)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_removals_never_take_stock_below_zero(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://…")
    product = ProductFactory(clinic=world.clinic_a, stock=3)
    barrier = threading.Barrier(6)
    outcomes = []

    def remove_one():
        try:
            barrier.wait()
            stock_adjust(product=Product.objects.get(pk=product.pk), change=-1, reason="damaged", actor=world.staff_a)
            outcomes.append("removed")
        except CatalogError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=remove_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["removed"] * 3 + ["stock_negative"] * 3
    assert Product.objects.get(pk=product.pk).stock == 0
