"""Product management for the clinic: the catalogue, images, stock and its history."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patientportal.catalog import selectors
from patientportal.catalog.errors import CatalogError
from patientportal.catalog.models import Product
from patientportal.catalog.responses import product_image_response
from patientportal.catalog.services import PRODUCT_FIELDS, product_save, stock_adjust
from patientportal.clinics.choices import Role
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.catalog_forms import ProductForm, ProductSearchForm, StockAdjustmentForm

PRODUCT_ROLES = (Role.OWNER, Role.ADMIN, Role.STAFF)
PRODUCTS_PER_PAGE = 30


@require_GET
@staff_view(roles=PRODUCT_ROLES)
def product_list(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    form = ProductSearchForm(request.GET)
    valid = form.is_valid()
    searched: str = form.cleaned_data["q"] if valid else ""
    low: bool = form.cleaned_data["low"] if valid else False
    products = selectors.staff_products(clinic=clinic, query=searched, low_stock=low)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/products/list.html",
        {
            "form": form,
            "page": page,
            "filter_query": query.urlencode(),
            "low_stock_count": selectors.low_stock_count(clinic=clinic),
            "low": low,
        },
    )


def _save(request: StaffRequest, form: ProductForm, product: Product) -> bool:
    values = {name: form.cleaned_data[name] for name in PRODUCT_FIELDS if name in form.cleaned_data}
    try:
        product_save(
            product=product,
            values=values,
            actor=request.user,
            image=form.cleaned_data.get("image"),
            initial_stock=form.cleaned_data.get("initial_stock") or 0,
        )
    except ValidationError as error:
        form.add_error("image", error)
        return False
    except CatalogError as error:
        form.add_error("sku", error.message)
        return False
    return True


@staff_view(roles=PRODUCT_ROLES)
def product_create(request: StaffRequest) -> HttpResponse:
    clinic = request.clinic
    form = ProductForm(request.POST or None, request.FILES or None, creating=True)
    if request.method == "POST" and form.is_valid():
        product = Product(clinic=clinic)
        if _save(request, form, product):
            messages.success(request, _("Product created."))
            return redirect("staff:product_edit", clinic_slug=clinic.slug, product_id=product.pk)
    return render(request, "staff/products/form.html", {"form": form, "product": None})


@staff_view(roles=PRODUCT_ROLES)
def product_edit(request: StaffRequest, product_id: int) -> HttpResponse:
    clinic = request.clinic
    product = selectors.staff_product_get(clinic=clinic, product_id=product_id)
    initial = {name: getattr(product, name) for name in PRODUCT_FIELDS}
    initial["price_cents"] = f"{product.price_cents / 100:.2f}"
    initial["cost_cents"] = "" if product.cost_cents is None else f"{product.cost_cents / 100:.2f}"
    form = ProductForm(request.POST or None, request.FILES or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid() and _save(request, form, product):
        messages.success(request, _("Product saved."))
        return redirect("staff:product_edit", clinic_slug=clinic.slug, product_id=product.pk)
    return render(
        request,
        "staff/products/form.html",
        {
            "form": form,
            "product": product,
            "stock_form": StockAdjustmentForm(),
            "history": selectors.stock_history(product=product),
        },
    )


@require_POST
@staff_view(roles=PRODUCT_ROLES)
def product_stock(request: StaffRequest, product_id: int) -> HttpResponse:
    clinic = request.clinic
    product = selectors.staff_product_get(clinic=clinic, product_id=product_id)
    form = StockAdjustmentForm(request.POST)
    if form.is_valid():
        try:
            stock_adjust(product=product, actor=request.user, **form.cleaned_data)
        except CatalogError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Stock is now %(stock)s.") % {"stock": product.stock})
    else:
        messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))
    return redirect("staff:product_edit", clinic_slug=clinic.slug, product_id=product.pk)


@require_GET
@staff_view()
def product_image(request: StaffRequest, product_id: int, size: str) -> FileResponse:
    product = selectors.staff_product_get(clinic=request.clinic, product_id=product_id)
    return product_image_response(product, size)
