from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    SUPPLEMENTS = "supplements", _("Supplements")
    COSMETICS = "cosmetics", _("Cosmetics")
    DEVICES = "devices", _("Devices")
    MEDICATIONS = "medications", _("Medications")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class StockReason(models.TextChoices):
    RESTOCK = "restock", _("Restock delivery")
    DAMAGED = "damaged", _("Damaged or expired")
    COUNT = "count", _("Physical count correction")
    RETURN = "return", _("Return")
    ORDER = "order", _("Order placed")
    ORDER_RELEASED = "order_released", _("Order cancelled or rejected")


# Reasons staff pick by hand; the order reasons are written by the orders services.
MANUAL_STOCK_REASONS = [StockReason.RESTOCK, StockReason.DAMAGED, StockReason.COUNT, StockReason.RETURN]
