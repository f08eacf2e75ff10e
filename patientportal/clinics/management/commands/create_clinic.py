import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from patientportal.clinics.errors import ClinicError
from patientportal.clinics.features import AddOn, Plan
from patientportal.clinics.services import clinic_create


class Command(BaseCommand):
    help = "Create a clinic and its owner. The owner receives an email to set a password (if new)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="Short name used in staff addresses, e.g. riverside.")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--time-zone", default="UTC", help="IANA name, e.g. America/New_York.")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--tax-rate-bp", type=int, default=0, help="Basis points: 825 means 8.25 %%.")
        parser.add_argument("--plan", choices=Plan.values, default=Plan.PROFESSIONAL)
        parser.add_argument("--add-on", action="append", choices=AddOn.values, default=[], dest="add_ons")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            validate_email(options["owner_email"])
        except ValidationError:
            raise CommandError(f"Not a valid email address: {options['owner_email']!r}") from None
        if options["time_zone"] not in zoneinfo.available_timezones():
            raise CommandError(f"Unknown time zone: {options['time_zone']!r}")
        try:
            clinic = clinic_create(
                name=options["name"],
                slug=options["slug"],
                owner_email=options["owner_email"],
                time_zone=options["time_zone"],
                currency=options["currency"],
                tax_rate_bp=options["tax_rate_bp"],
                plan=options["plan"],
                add_ons=options["add_ons"],
            )
        except ClinicError as error:
            raise CommandError(str(error.message)) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Created clinic {clinic.name} ({clinic.slug}); owner {options['owner_email']}.")
        )
