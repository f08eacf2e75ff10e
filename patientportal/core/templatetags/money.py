from django import template

from patientportal.core.money import format_money

register = template.Library()


@register.filter
def money(cents: int | None, currency: str) -> str:
    """{{ product.price_cents|money:clinic.currency }}"""
    return "" if cents is None else format_money(cents, currency)
