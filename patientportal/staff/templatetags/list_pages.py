"""The Next and Previous links of the staff lists that are read a page at a time by
position (keyset pagination: patients, orders), and counts that stop counting."""

from collections.abc import Sequence

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.template.context import Context

register = template.Library()

# What a link to another page replaces; everything else of the address (the search, the
# queue) is kept. `page` is the old numbered pagination's.
PLACE_PARAMETERS = ("after", "before", "page")


def _continued(context: Context, direction: str, row: models.Model) -> str:
    query = context["request"].GET.copy()
    for name in PLACE_PARAMETERS:
        query.pop(name, None)
    query[direction] = str(row.pk)
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def next_page_url(context: Context, rows: Sequence[models.Model]) -> str:
    """`{% next_page_url page.patients %}`: this list, going on after its last row."""
    return _continued(context, "after", rows[len(rows) - 1])


@register.simple_tag(takes_context=True)
def previous_page_url(context: Context, rows: Sequence[models.Model]) -> str:
    """`{% previous_page_url page.patients %}`: this list, going back from its first row."""
    return _continued(context, "before", rows[0])


@register.filter
def counted_up_to(count: int, up_to: int) -> str:
    """A count the database stopped at `up_to` + 1: "1,000+" once it went past `up_to`."""
    if count > up_to:
        return f"{intcomma(up_to)}+"
    return str(intcomma(count))
