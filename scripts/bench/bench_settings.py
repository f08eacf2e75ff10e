"""The portal's own settings plus one hello-world view, for scripts/bench_http.py only.

The hello view runs in the same gunicorn, with the same middleware, as the pages it is
compared with, so the ratio between them is the pages' own cost on this machine today.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
# Production serves static files from a manifest made by collectstatic; the benchmark makes its
# own in a temporary folder instead of the project's.
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
