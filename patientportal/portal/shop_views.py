"""The shop and the cart, for patients (PRODUCT.md F-6, F-7). Every cart
action works as a plain form post; with htmx it re-renders the cart drawer."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patientportal.catalog import selectors as catalog
from patientportal.catalog.responses import product_image_response
from patientportal.clinics.features import Feature
from patientportal.orders import cart as carts
from patientportal.orders.errors import CartError
from patientportal.orders.models import CartItem
from patientportal.portal.access import PortalRequest, portal_view
from patientportal.portal.shop_forms import QuantityForm, ShopFilterForm

PRODUCTS_PER_PAGE = 12


@require_GET
@portal_view(Feature.SHOP)
def shop(request: PortalRequest) -> HttpResponse:
    clinic = request.portal.clinic
    form = ShopFilterForm(request.GET)
    form.is_valid()
    # Each filter on its own: an unknown category is ignored without dropping the search words.
    filters = {"q": form.cleaned_data.get("q", ""), "category": form.cleaned_data.get("category", "")}
    products = catalog.shop_products(clinic=clinic, query=filters["q"], category=filters["category"])
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/shop/list.html",
        {
            "form": form,
            "page": page,
            "filter_query": query.urlencode(),
            "filtered": any(filters.values()),
        },
    )


@require_GET
@portal_view(Feature.SHOP)
def product_detail(request: PortalRequest, product_id: int) -> HttpResponse:
    product = catalog.shop_product_get(clinic=request.portal.clinic, product_id=product_id)
    return render(request, "portal/shop/detail.html", {"product": product, "form": QuantityForm()})


@require_GET
@portal_view(Feature.SHOP)
def product_image(request: PortalRequest, product_id: int, size: str) -> FileResponse:
    product = catalog.shop_product_get(clinic=request.portal.clinic, product_id=product_id)
    return product_image_response(product, size)


@require_POST
@portal_view(Feature.SHOP)
def cart_add(request: PortalRequest) -> HttpResponse:
    portal = request.portal
    try:
        product_id = int(request.POST.get("product", ""))
    except ValueError:
        raise Http404 from None
    product = catalog.shop_product_get(clinic=portal.clinic, product_id=product_id)
    form = QuantityForm(request.POST)
    if form.is_valid():
        try:
            carts.cart_add_item(patient=portal.patient, product=product, quantity=form.cleaned_data["quantity"])
        except CartError as error:
            form.add_error("quantity", error.message)
        else:
            messages.success(request, _("Added to your cart: %(product)s.") % {"product": product.name})
            return redirect("portal:product_detail", product_id=product.pk)
    return render(request, "portal/shop/detail.html", {"product": product, "form": form}, status=400)


@require_GET
@portal_view(Feature.SHOP)
def cart_page(request: PortalRequest) -> HttpResponse:
    return render(request, "portal/cart/page.html", {"cart": carts.cart_for_patient(patient=request.portal.patient)})


@require_GET
@portal_view(Feature.SHOP)
def cart_drawer(request: PortalRequest) -> HttpResponse:
    return _drawer(request)


def _drawer(request: PortalRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    cart = carts.cart_for_patient(patient=request.portal.patient)
    return render(request, "portal/cart/drawer.html", {"cart": cart, "error": error}, status=status)


def _after_change(request: PortalRequest, *, done: str = "", error: str = "") -> HttpResponse:
    """htmx: the drawer again (with any error inside it). Plain post: back to the cart page with a message."""
    if request.htmx:
        return _drawer(request, error=error)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect("portal:cart")


@require_POST
@portal_view(Feature.SHOP)
def cart_update(request: PortalRequest, item_id: int) -> HttpResponse:
    form = QuantityForm(request.POST)
    if not form.is_valid():
        return _after_change(request, error=" ".join(str(message) for message in form.errors["quantity"]))
    try:
        carts.cart_set_quantity(
            patient=request.portal.patient,
            item_id=item_id,
            quantity=form.cleaned_data["quantity"],
        )
    except CartItem.DoesNotExist:
        raise Http404 from None
    except CartError as error:
        return _after_change(request, error=str(error.message))
    return _after_change(request, done=_("Quantity updated."))


@require_POST
@portal_view(Feature.SHOP)
def cart_remove(request: PortalRequest, item_id: int) -> HttpResponse:
    # Like every object loaded by id: not in this patient's cart answers 404, never "Removed",
    # which would confirm nothing and hide a tampered or stale form.
    try:
        carts.cart_remove_item(patient=request.portal.patient, item_id=item_id)
    except CartItem.DoesNotExist:
        raise Http404 from None
    return _after_change(request, done=_("Removed from your cart."))


@require_POST
@portal_view(Feature.SHOP)
def cart_clear(request: PortalRequest) -> HttpResponse:
    carts.cart_clear(patient=request.portal.patient)
    return _after_change(request, done=_("Your cart is empty."))
