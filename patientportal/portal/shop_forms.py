from django import forms
from django.utils.translation import gettext_lazy as _

from patientportal.catalog.choices import Category
from patientportal.orders.models import MAX_QUANTITY_PER_ITEM


class ShopFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search products"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or description")}),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY_PER_ITEM,
        initial=1,
        error_messages={
            "min_value": _("Choose at least 1."),
            "max_value": _("Choose at most %(limit_value)s."),
            "invalid": _("Enter a whole number."),
            "required": _("Enter a quantity."),
        },
    )
