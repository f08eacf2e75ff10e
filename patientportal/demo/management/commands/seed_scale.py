"""A large data set for benchmarks (issue 18): `manage.py seed_scale --patients 1000000`.
How the rows are made and loaded is told in patientportal/demo/scale.py; how to build
the set and what it holds, in docs/operations.md ("Scale data set")."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from patientportal.demo import scale


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


class Command(BaseCommand):
    help = "Fill an empty, migrated database with a large, realistic data set for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True, help="How many patients (1 000 000 for the set).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random generator (default 1).")
        parser.add_argument(
            "--password",
            default=scale.DEFAULT_PASSWORD,
            help=f"Password of every account (default {scale.DEFAULT_PASSWORD}).",
        )
        parser.add_argument("--clinics", type=int, help="How many clinics (default: 92 at a million patients).")
        parser.add_argument(
            "--today",
            type=day,
            help="Take the data set on this day (noon UTC) instead of now: the same day, seed and size "
            "give the same rows.",
        )
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "insert"],
            default="auto",
            help="copy: PostgreSQL's COPY (the default there); insert: INSERTs, any database (the default elsewhere).",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="COPY with the indexes and foreign keys in place instead of building them after the load "
            "(for comparison: twice as slow at 20,000 patients, worse above).",
        )
        parser.add_argument("--no-vacuum", action="store_true", help="ANALYZE only, no VACUUM, at the end.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = (
            datetime.datetime.combine(options["today"], datetime.time(12), datetime.UTC)
            if options["today"]
            else timezone.now()
        )
        try:
            # Checked before the password is hashed (Argon2 takes a moment) and anything is written.
            scale.check_arguments(options["patients"], options["clinics"])
            scale.check_database_is_empty()
            config = scale.Settings(
                patients=options["patients"],
                seed=options["seed"],
                now=now,
                # Hashed once with the configured hasher; every account shares the hash.
                password_hash=make_password(options["password"]),
                clinics=options["clinics"],
                method=options["method"],
                rebuild_indexes=not options["keep_indexes"],
                vacuum=not options["no_vacuum"],
            )
            result = scale.load(config, say=self.stdout.write)
        except scale.ScaleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("")
        for line in scale.summary_lines(result):
            self.stdout.write(line)
        size = scale.database_size()
        if size:
            self.stdout.write(f"Database size: {size}. Biggest tables and indexes:")
            for name, kind, relation_size in scale.table_sizes():
                self.stdout.write(f"  {name:48} {kind:6} {relation_size:>10}")
        self._identities(result, options["password"])

    def _identities(self, result: scale.Result, password: str) -> None:
        benchmark = result.benchmark
        mfa = (
            "on: owners and admins must set up two-factor authentication before the staff pages open "
            "(REQUIRE_MFA_FOR_CLINIC_ADMINS=false turns it off for a benchmark server)"
            if settings.REQUIRE_MFA_FOR_CLINIC_ADMINS
            else "off here"
        )
        lines = [
            "",
            f"Benchmark clinic: {result.clinic_name} ({result.clinic_patients:,} patients), slug {result.clinic_slug}"
            f" — /staff/{result.clinic_slug}/",
            f"Password of every account: {password}",
            f"  {scale.STAFF_EMAIL:28} staff member of {result.clinic_slug} (no second factor needed)",
            f"  {scale.OWNER_EMAIL:28} owner of {result.clinic_slug}; two-factor for owners is {mfa}",
            f"  {scale.PATIENT_EMAIL:28} portal account of patient {benchmark.patient_id}: "
            f"{benchmark.appointments} appointments, {benchmark.orders} orders, {benchmark.documents} documents"
            f" — /staff/{result.clinic_slug}/patients/{benchmark.patient_id}/",
        ]
        self.stdout.write("\n".join(lines))
