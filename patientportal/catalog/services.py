import functools
from collections.abc import Mapping
from typing import Literal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F

from patientportal.accounts.models import User
from patientportal.audit import services as audit
from patientportal.catalog.choices import StockReason
from patientportal.catalog.errors import CatalogError
from patientportal.catalog.images import picture_files_delete, process_product_image
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
    image: UploadedFile[bytes] | Literal[False] | None = None,
    initial_stock: int = 0,
) -> Product:
    """Create (when `product` has no id) or update a product. Stock is not a
    field here: it changes only through stock adjustments, which keep history.
    `image` is a new picture; False (what a cleared file input gives) removes the picture."""
    created = product.pk is None
    changed = [name for name in PRODUCT_FIELDS if name in values and getattr(product, name) != values[name]]
    for name in changed:
        setattr(product, name, values[name])
    # ValidationError (not an image, too big) reaches the form's image field; nothing is stored yet.
    picture = process_product_image(image) if image is not None and image is not False else None
    removing = image is False and bool(product.image or product.thumbnail)
    shown = (product.image.name, product.thumbnail.name)
    stored: list[str] = []
    try:
        if picture is not None or removing:
            _picture_replace(product, picture, created=created, stored=stored)
            changed.append("image")
        _product_write(product, changed, created=created)
        audit.record(
            action=f"catalog.product.{'created' if created else 'updated'}",
            actor=actor,
            clinic=product.clinic,
            obj=product,
            metadata={"fields": changed},
        )
        if created and initial_stock:
            stock_adjust(
                product=product, change=initial_stock, reason=StockReason.COUNT, note="Initial stock", actor=actor
            )
    except BaseException:
        # The change is rolled back, so no row will ever name the new picture's files.
        picture_files_delete(product.image.storage, stored)
        product.image, product.thumbnail = shown
        raise
    return product


def _picture_replace(
    product: Product,
    picture: tuple[ContentFile[bytes], ContentFile[bytes]] | None,
    *,
    created: bool,
    stored: list[str],
) -> None:
    """Store the new picture's files (their names go into `stored`), or none when the picture is
    removed, and have the files of the picture it replaces deleted once the change commits: never
    before, so a change rolled back leaves the product showing the picture it had."""
    # The names as stored, under the row's lock: of two replacements at once, the second waits
    # and deletes what the first stored, so nothing is left behind.
    old = [] if created else _stored_picture_names(product)
    if picture is None:
        product.image = product.thumbnail = ""
    else:
        full, thumbnail = picture
        for field, content in ((product.image, full), (product.thumbnail, thumbnail)):
            field.save(content.name or "", content, save=False)
            stored.append(field.name or "")
    replaced = [name for name in old if name not in stored]
    if replaced:
        storage = product.image.storage
        transaction.on_commit(functools.partial(picture_files_delete, storage, replaced), robust=True)


def _stored_picture_names(product: Product) -> list[str]:
    names = Product.objects.select_for_update().values_list("image", "thumbnail").get(pk=product.pk)
    return [name for name in names if name]


def _product_write(product: Product, changed: list[str], *, created: bool) -> None:
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
