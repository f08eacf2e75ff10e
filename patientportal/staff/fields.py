"""Form fields the staff area's forms share."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The days a staff page can be asked about (a schedule, a week, an audit range): far beyond them a day
# turned into the clinic's times, or the week or day after it, no longer fits in a datetime.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)


class CalendarDateField(forms.DateField):
    """A date between 1900 and 2100."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(_("Choose a date between 1900 and 2100."), code="out_of_range")
