"""The front desk's small forms: where a move on the schedule came from, the slot a booking
starts from, and the week shown."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from patientportal.scheduling.front_desk import DeskMove
from patientportal.staff.fields import CalendarDateField


class DeskMoveForm(forms.Form):
    """A button on the day's schedule."""

    move = forms.ChoiceField(choices=[(move.value, move.label) for move in DeskMove])


class SchedulePlaceForm(forms.Form):
    """The provider and page of the day's schedule a button or link came from, to go back to."""

    provider = forms.IntegerField(required=False, min_value=1)
    page = forms.IntegerField(required=False, min_value=1)

    def back_query(self) -> dict[str, int]:
        """What can be read of them: a value that is not a number is left out, not an error."""
        kept: dict[str, int] = {}
        for name, field in self.fields.items():
            try:
                value = field.clean(self.data.get(name))
            except forms.ValidationError:
                continue
            if value:
                kept[name] = value
        return kept


class SlotForm(forms.Form):
    """The free time a booking from the schedule starts from, all optional: whatever is given
    and valid is filled in on the booking form; ids outside the clinic are refused by the view."""

    date = CalendarDateField(required=False)
    time = forms.TimeField(required=False)
    provider = forms.IntegerField(required=False, min_value=1)
    location = forms.IntegerField(required=False, min_value=1)

    def slot(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value is not None}

    def booking_initial(self) -> dict[str, object]:
        """The booking form's initial values: its date field is called "day"."""
        slot = self.slot()
        initial: dict[str, object] = {name: slot[name] for name in ("time", "provider", "location") if name in slot}
        if "date" in slot:
            initial["day"] = slot["date"]
        return initial

    def query(self) -> dict[str, str]:
        """The slot again, for the links and the hidden fields that carry it on."""
        slot = self.slot()
        return {
            name: value.strftime("%H:%M") if isinstance(value, datetime.time) else str(value)
            for name, value in slot.items()
        }


class WeekForm(forms.Form):
    date = CalendarDateField(label=_("Week of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    provider = forms.IntegerField(required=False, min_value=1)
