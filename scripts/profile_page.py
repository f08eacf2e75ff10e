"""Profile one page as production runs it: where does a request's time go?

    .venv/bin/python scripts/profile_page.py /portal/ --as olivia@patient.example
    .venv/bin/python scripts/profile_page.py /staff/harbor/orders/?queue=all --as nurse@harbor.example \\
        --database-url postgres://postgres@127.0.0.1:5432/portal_scale --requests 50

Runs the whole request path (middleware, view, templates) in this process with Django's test
client, under production settings (DEBUG off, persistent database connection) against an
existing database (default portal_bench, which scripts/bench_http.py fills with the demo
data), after warming up, and prints pyinstrument's call tree of `--requests` requests.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="email", required=True, help="the account to sign in as")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/portal_bench")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--html", type=Path, help="write pyinstrument's HTML report here")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": "profile-" + os.urandom(32).hex(),
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "EMAIL_HOST": "127.0.0.1",
            "DATABASE_URL": args.database_url,
            "LOG_LEVEL": "WARNING",
            "TESTING": "true",  # plain static files storage: no collectstatic manifest needed
            "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", tempfile.mkdtemp()),
        }
    )
    import django

    django.setup()
    from django.test import Client
    from pyinstrument import Profiler

    from patientportal.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=args.email))
    for _ in range(10):
        response = client.get(args.path)
        if response.status_code != 200:
            sys.exit(f"{args.path} answered {response.status_code}")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html())


if __name__ == "__main__":
    main()
