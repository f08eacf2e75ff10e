import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from patientportal.core.health import OK, PROBLEM, WARNING, background_findings, overall

EXIT_CODES = {OK: 0, WARNING: 1, PROBLEM: 2}


class Command(BaseCommand):
    help = (
        "Say whether the background work is being done: the task worker and the periodic runner alive, "
        "no tasks or emails waiting too long (BACKGROUND_ALERT_MINUTES), no email given up on in 24 hours. "
        "Exit code 0 ok, 1 warning, 2 problem (the convention of Nagios-style monitors); for cron or monitoring."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            findings = background_findings()
        except DatabaseError as error:
            self.stderr.write(f"PROBLEM  Database: unreachable ({type(error).__name__}).")
            sys.exit(EXIT_CODES[PROBLEM])
        for finding in findings:
            line = f"{finding.level.upper():8} {finding.detail}"
            (self.stdout if finding.level == OK else self.stderr).write(line)
        level = overall(findings)
        if level != OK:
            sys.exit(EXIT_CODES[level])
