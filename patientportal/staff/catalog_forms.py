from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patientportal.catalog.choices import MANUAL_STOCK_REASONS, Category
from patientportal.core.money import parse_money


class MoneyField(forms.CharField):
    """An amount typed as 12.50; cleaned to cents."""

    def __init__(self, *, minimum_cents: int = 0, **kwargs: Any) -> None:
        self.minimum_cents = minimum_cents
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: str | None) -> int | None:
        text = super().clean(value)
        if text in ("", None):
            return None
        try:
            cents = parse_money(text)
        except ValueError:
            raise forms.ValidationError(_("Enter an amount such as 12.50.")) from None
        if cents < self.minimum_cents:
            raise forms.ValidationError(_("The amount must be more than zero."))
        return cents


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    price_cents = MoneyField(label=_("Selling price"), minimum_cents=1)
    cost_cents = MoneyField(
        label=_("Cost"), required=False, help_text=_("What the clinic pays; never shown to patients.")
    )
    taxable = forms.BooleanField(label=_("Taxable"), required=False, initial=True)
    track_inventory = forms.BooleanField(label=_("Track inventory"), required=False, initial=True)
    initial_stock = forms.IntegerField(
        label=_("Stock on hand"),
        min_value=0,
        max_value=1_000_000,
        initial=0,
        required=False,
        help_text=_("Later changes go through stock adjustments."),
    )
    reorder_threshold = forms.IntegerField(label=_("Reorder threshold"), min_value=0, max_value=1_000_000, initial=0)
    reorder_quantity = forms.IntegerField(label=_("Reorder quantity"), min_value=0, max_value=1_000_000, initial=0)
    requires_consultation = forms.BooleanField(label=_("Requires consultation"), required=False)
    requires_prescription = forms.BooleanField(label=_("Requires prescription (Rx)"), required=False)
    minimum_age = forms.IntegerField(
        label=_("Minimum age"), min_value=0, max_value=100, initial=0, help_text=_("0 means no age limit.")
    )
    visible_in_portal = forms.BooleanField(label=_("Visible in portal"), required=False, initial=True)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["initial_stock"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("This field is required."))
        return name


class StockAdjustmentForm(forms.Form):
    change = forms.IntegerField(
        label=_("Change"),
        min_value=-100_000,
        max_value=100_000,
        help_text=_("Positive to add (e.g. 12), negative to remove (e.g. -2)."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[(reason.value, reason.label) for reason in MANUAL_STOCK_REASONS]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ProductSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search products"), required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    low = forms.BooleanField(label=_("Low stock only"), required=False)
