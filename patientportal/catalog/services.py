from collections.abc import Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.catalog.choices import StockReason
from patientportal.catalog.errors import CatalogError
from patientportal.catalog.images import process_product_image
from patientportal.catalog.models import Product, StockAdjustment

PRODUCT_FIELDS = (
    "name",
    "sku",
    "category",
    "description",
    "price_cents",
    "cost_cents",
    "taxable",
    "track_inventory",
    "reorder_threshold",
    "reorder_quantity",
    "requires_consultation",
    "requires_prescription",
    "minimum_age",
    "visible_in_portal",
    "active",
)


@transaction.atomic
def product_save(
    *,
    product: Product,
    values: Mapping[str, object],
    actor: User,
    image: UploadedFile[bytes] | None = None,
    initial_stock: int = 0,
) -> Product:
    """Create (when `product` has no id) or update a product. Stock is not a
    field here: it changes only through stock adjustments, which keep history."""
    created = product.pk is None
    changed = [name for name in PRODUCT_FIELDS if name in values and getattr(product, name) != values[name]]
    for name in changed:
        setattr(product, name, values[name])
    if image is not None:
        # ValidationError (not an image, too big) reaches the form's image field.
        product.image, product.thumbnail = process_product_image(image)
        changed.append("image")
    try:
        with transaction.atomic():
            if created:
                product.save()
            else:
                # Only what changed: never write back a stock figure read before an order took some.
                image_fields = ["image", "thumbnail"] if "image" in changed else []
                fields = [name for name in changed if name != "image"] + image_fields
                product.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise CatalogError("sku_taken") from None
    audit.record(
        action=f"catalog.product.{'created' if created else 'updated'}",
        actor=actor,
        clinic=product.clinic,
        obj=product,
        metadata={"fields": changed},
    )
    if created and initial_stock:
        stock_adjust(product=product, change=initial_stock, reason=StockReason.COUNT, note="Initial stock", actor=actor)
    return product


@transaction.atomic
def stock_adjust(
    *, product: Product, change: int, reason: str, actor: User | None, note: str = "", order_id: int | None = None
) -> StockAdjustment:
    """Add or remove stock in one conditional UPDATE, so stock can never go below
    zero even when requests race; the adjustment is kept as history."""
    if change == 0:
        raise CatalogError("zero_change")
    moved = Product.objects.filter(pk=product.pk, stock__gte=max(0, -change)).update(stock=F("stock") + change)
    if not moved:
        raise CatalogError("stock_negative", stock=Product.objects.get(pk=product.pk).stock)
    product.stock = Product.objects.values_list("stock", flat=True).get(pk=product.pk)
    adjustment = StockAdjustment.objects.create(
        clinic_id=product.clinic_id,
        product=product,
        change=change,
        stock_after=product.stock,
        reason=reason,
        note=note.strip()[:300],
        actor=actor,
        order_id=order_id,
    )
    audit.record(
        action="catalog.stock.adjusted",
        actor=actor,
        clinic=product.clinic,
        obj=product,
        metadata={"change": change, "reason": reason, "stock_after": product.stock},
    )
    return adjustment
