from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patientportal.catalog.choices import Category, StockReason
from patientportal.clinics.models import Clinic


class ProductQuerySet(models.QuerySet["Product"]):
    def for_clinic(self, clinic: Clinic) -> "ProductQuerySet":
        return self.filter(clinic=clinic)

    def in_portal(self) -> "ProductQuerySet":
        """What patients may see: visible in the portal and active."""
        return self.filter(visible_in_portal=True, active=True)

    def low_stock(self) -> "ProductQuerySet":
        return self.filter(track_inventory=True, active=True, stock__lte=F("reorder_threshold"))


def product_image_path(product: "Product", filename: str) -> str:
    # Never the uploaded name: a random one, under the clinic's folder.
    return f"clinics/{product.clinic_id}/products/{filename}"


class Product(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    image = models.ImageField(_("image"), upload_to=product_image_path, blank=True)
    thumbnail = models.ImageField(upload_to=product_image_path, blank=True, editable=False)
    price_cents = models.PositiveIntegerField(_("selling price"), validators=[MinValueValidator(1)])
    cost_cents = models.PositiveIntegerField(_("cost"), null=True, blank=True)
    taxable = models.BooleanField(_("taxable"), default=True)
    track_inventory = models.BooleanField(_("track inventory"), default=True)
    stock = models.IntegerField(_("current stock"), default=0)
    reorder_threshold = models.PositiveIntegerField(_("reorder threshold"), default=0)
    reorder_quantity = models.PositiveIntegerField(_("reorder quantity"), default=0)
    requires_consultation = models.BooleanField(_("requires consultation"), default=False)
    requires_prescription = models.BooleanField(_("requires prescription"), default=False)
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=0, validators=[MaxValueValidator(100)], help_text=_("0 means no age limit.")
    )
    visible_in_portal = models.BooleanField(_("visible in portal"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_never_negative"),
            models.CheckConstraint(condition=Q(price_cents__gt=0), name="product_price_positive"),
            models.CheckConstraint(condition=Q(minimum_age__lte=100), name="product_minimum_age_at_most_100"),
            models.UniqueConstraint(
                fields=["clinic", "sku"], condition=~Q(sku=""), name="product_sku_unique_per_clinic"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "visible_in_portal", "active", "category"])]

    def __str__(self) -> str:
        return self.name

    @property
    def in_stock(self) -> bool:
        return not self.track_inventory or self.stock > 0

    @property
    def needs_reorder(self) -> bool:
        return self.track_inventory and self.stock <= self.reorder_threshold


class StockAdjustment(models.Model):
    """Every change of a product's stock, with why and who. Append-only history."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_adjustments")
    change = models.IntegerField(_("change"))
    stock_after = models.IntegerField(_("stock after"))
    reason = models.CharField(_("reason"), max_length=20, choices=StockReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    order_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.change:+d} {self.product}"
