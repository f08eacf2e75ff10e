from django import forms

from patientportal.notifications.choices import KIND_RULES, EmailChoice, NotificationKind


class NotificationChoicesForm(forms.Form):
    """One choice per kind of notification the member's role hears of (email at once, daily summary, off)."""

    def __init__(self, *args: object, kinds: list[str], initial_choices: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label,
                help_text=KIND_RULES[kind].description,
                choices=EmailChoice.choices,
                initial=initial_choices[kind],
                widget=forms.RadioSelect,
            )
