"""Make the installation's seal: a private key (mode 0600) and a self-signed certificate at
SEAL_KEY_PATH and SEAL_CERTIFICATE_PATH. Every signed copy made afterwards is sealed with it."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from patientportal.documents.seal_certificate import (
    DEFAULT_DAYS,
    SealUnavailable,
    certificate_files_make,
    certificate_fingerprint,
    configured_paths,
    default_common_name,
)


class Command(BaseCommand):
    help = (
        "Make the key and self-signed certificate that seal signed copies, at SEAL_KEY_PATH and "
        "SEAL_CERTIFICATE_PATH. An existing pair is replaced only with --force (a rotation)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="", help="The certificate's common name (default: the site's name).")
        parser.add_argument("--organization", default="", help="The organization named in it (default: SITE_NAME).")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="How long it is valid (default: 5 years).")
        parser.add_argument("--force", action="store_true", help="Replace an existing key and certificate.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["days"] <= 10 * 366:
            raise CommandError("--days must be between 1 and 3660.")
        key_path, certificate_path = self._paths()
        try:
            certificate, retired = certificate_files_make(
                key_path=key_path,
                certificate_path=certificate_path,
                common_name=options["name"] or default_common_name(),
                organization=options["organization"] or settings.SITE_NAME,
                days=options["days"],
                force=options["force"],
            )
        except FileExistsError as existing:
            raise CommandError(
                f"Not replaced: {existing} already exist(s). Copies sealed with the current certificate stay "
                "valid; to rotate it, run again with --force (docs/operations, README “The seal on signed copies”)."
            ) from None
        except OSError as error:
            raise CommandError(f"Could not write the files: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Key:         {key_path} (mode 0600; back it up, never commit it)"))
        self.stdout.write(f"Certificate: {certificate_path}")
        self.stdout.write(f"Subject:     {certificate.subject.rfc4514_string()}")
        self.stdout.write(f"Valid until: {certificate.not_valid_after_utc:%Y-%m-%d}")
        self.stdout.write(f"SHA-256:     {certificate_fingerprint(certificate)}")
        if retired is not None:
            self.stdout.write(
                f"The previous certificate is kept as {retired}: add it to SEAL_PREVIOUS_CERTIFICATE_PATHS so "
                "the verify page still recognises copies sealed with it. Restarting is not needed."
            )

    def _paths(self) -> tuple[Path, Path]:
        try:
            paths = configured_paths()
        except SealUnavailable:
            raise CommandError(
                "Set SEAL_KEY_PATH and SEAL_CERTIFICATE_PATH (e.g. /etc/portal/seal/key.pem and "
                "/etc/portal/seal/certificate.pem) first: the portal reads the seal from there."
            ) from None
        if paths is None:
            raise CommandError(
                "SEAL_PKCS12_PATH is set: the portal seals with that certificate. Unset it to make a self-signed one."
            )
        return paths
