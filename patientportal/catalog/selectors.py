from django.db.models import Q, QuerySet
from django.http import Http404

from patientportal.catalog.choices import Category
from patientportal.catalog.models import Product, StockAdjustment
from patientportal.clinics.models import Clinic

MAX_SEARCH_WORDS = 6


def _search(products: QuerySet[Product], query: str) -> QuerySet[Product]:
    # Every word must appear in the name or the description; extra spaces do not matter.
    for word in query.split()[:MAX_SEARCH_WORDS]:
        products = products.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return products


def shop_products(*, clinic: Clinic, query: str = "", category: str = "") -> QuerySet[Product]:
    products = Product.objects.for_clinic(clinic).in_portal()
    if category in Category.values:
        products = products.filter(category=category)
    return _search(products, query).order_by("name", "id")


def shop_product_get(*, clinic: Clinic, product_id: int) -> Product:
    """A product a patient may see; hidden, inactive or another clinic's is 404."""
    try:
        return Product.objects.for_clinic(clinic).in_portal().get(pk=product_id)
    except Product.DoesNotExist:
        raise Http404 from None


def staff_products(*, clinic: Clinic, query: str = "", low_stock: bool = False) -> QuerySet[Product]:
    products = Product.objects.for_clinic(clinic)
    if low_stock:
        products = products.low_stock()
    found = _search(products, query) if query else products
    return found.order_by("-active", "name", "id")


def staff_product_get(*, clinic: Clinic, product_id: int) -> Product:
    try:
        product = Product.objects.for_clinic(clinic).get(pk=product_id)
    except Product.DoesNotExist:
        raise Http404 from None
    product.clinic = clinic
    return product


def stock_history(*, product: Product, limit: int = 50) -> list[StockAdjustment]:
    return list(StockAdjustment.objects.filter(product=product).select_related("actor")[:limit])


def low_stock_count(*, clinic: Clinic) -> int:
    return Product.objects.for_clinic(clinic).low_stock().count()
