"""Measure the hot pages over HTTP, as a clinic runs the portal, against a Django hello world.

    .venv/bin/python scripts/bench_http.py                 # demo data, rebuilt in database portal_bench
    .venv/bin/python scripts/bench_http.py --data scale    # the seed_scale data set in database portal_scale

Starts gunicorn (sync workers, production settings: DEBUG off, persistent database
connections) on PostgreSQL, signs a patient and a staff member in, and for each page runs
`wrk` against a hello-world view served by the same gunicorn and middleware
(scripts/bench/), then against the page at 16 connections, then the page at 32 connections;
all of it `--rounds` times, interleaved, so a noisy neighbour hits both sides alike.
Prints, per page, the medians over the rounds: requests per second and their ratio to hello
at 16 connections, latency percentiles, the same at 32 connections, and CPU time per request
of the gunicorn workers and of PostgreSQL (all its processes: on a shared machine other
databases' work counts too). Nothing is asserted; the README shows a run.

Needs `wrk` (Debian package `wrk`) and PostgreSQL; `--data scale` needs a database filled
by `manage.py seed_scale` (docs/operations.md).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
HELLO = "/bench/hello/"
DEMO_PASSWORD = "portal-demo-2026"  # published demo password (seed_demo)

# wrk prints its summary in a fixed text layout without p95; this script makes it print one line
# the benchmark can read (latencies in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class DataSet:
    database_url: str
    clinic: str
    patient_email: str
    staff_email: str
    password: str
    search: str


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    worker_cpu_ms: float
    database_cpu_ms: float
    errors: int


@dataclass
class PageFigures:
    name: str
    path: str
    hello: list[Run] = field(default_factory=list)
    at_16: list[Run] = field(default_factory=list)
    at_32: list[Run] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_admin_url(database_url: str) -> tuple[str, str]:
    """The server's `postgres` database and the name of the one in the URL."""
    match = re.fullmatch(r"(postgres(?:ql)?://[^/]+)/([A-Za-z0-9_]+)", database_url)
    if not match:
        sys.exit(f"DATABASE_URL must be postgres://host:port/name, got {database_url}")
    return f"{match.group(1)}/postgres", match.group(2)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def build_demo_database(env: dict[str, str], database_url: str) -> None:
    import psycopg

    admin_url, name = database_admin_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    # seed_demo refuses production settings (it makes accounts with a published password).
    development = {**env, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"}
    manage(development, "migrate", "--noinput")
    manage(development, "createcachetable")
    manage(development, "seed_demo")


def server_env(database_url: str, port: int, static_root: str, media_root: str) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts" / "bench"), str(ROOT)]),
        "BENCH_STATIC_ROOT": static_root,
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", media_root),
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + os.urandom(32).hex(),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Served over plain HTTP on loopback: no redirect to HTTPS (a proxy does TLS in production).
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


class Server:
    """gunicorn with the project's gunicorn.conf.py, as deploy/portal-web.service starts it."""

    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.port = port
        self.process = subprocess.Popen(
            [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sys.stderr,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(port, "GET", HELLO)[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not answer within a minute")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("postgres"):
                total += process_cpu_seconds(int(entry.name))
    return total


def request(
    port: int, method: str, path: str, body: dict[str, str] | None = None, cookies: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": f"127.0.0.1:{port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    encoded = None
    if body is not None:
        encoded = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=encoded, headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    set_cookies = {}
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            cookie_name, _, rest = value.partition("=")
            set_cookies[cookie_name] = rest.split(";", 1)[0]
    if response.status in (301, 302, 303):
        set_cookies["Location"] = response.getheader("Location", "")
    connection.close()
    return response.status, set_cookies, text


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Signs in through allauth's form; returns the cookies a browser would then send."""
    status, cookies, page = request(port, "GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not token:
        sys.exit(f"the sign-in page answered {status}")
    jar = {name: value for name, value in cookies.items() if name != "Location"}
    form = {"login": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
    status, cookies, _ = request(port, "POST", "/accounts/login/", form, jar)
    if status != 302:
        sys.exit(f"signing in as {email} failed ({status})")
    jar.update({name: value for name, value in cookies.items() if name != "Location"})
    return jar


def wrk(port: int, path: str, connections: int, seconds: int, cookies: dict[str, str], script: Path) -> tuple:
    command = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "-s", str(script)]
    if cookies:
        command += ["-H", "Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items())]
    done = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    return tuple(int(value) for value in line.split()[1:])


def measure(server: Server, path: str, connections: int, seconds: int, cookies: dict, script: Path) -> Run:
    workers = server.worker_pids()
    worker_before = sum(process_cpu_seconds(pid) for pid in workers)
    database_before = postgres_cpu_seconds()
    requests, duration_us, status_errors, socket_errors, p50, p95, p99 = wrk(
        server.port, path, connections, seconds, cookies, script
    )
    worker_cpu = sum(process_cpu_seconds(pid) for pid in workers) - worker_before
    database_cpu = postgres_cpu_seconds() - database_before
    return Run(
        requests_per_second=requests / (duration_us / 1_000_000),
        p50_ms=p50 / 1000,
        p95_ms=p95 / 1000,
        p99_ms=p99 / 1000,
        worker_cpu_ms=1000 * worker_cpu / max(requests, 1),
        database_cpu_ms=1000 * database_cpu / max(requests, 1),
        errors=status_errors + socket_errors,
    )


def check_page(port: int, path: str, cookies: dict[str, str]) -> None:
    """A redirect to the sign-in page would look fast: every page must answer 200 as itself."""
    status, headers, _ = request(port, "GET", path, cookies=cookies)
    if status != 200:
        sys.exit(f"{path} answered {status} {headers.get('Location', '')}")


def pages(data: DataSet, patient: dict, staff: dict) -> list[tuple[str, str, dict]]:
    staff_root = f"/staff/{data.clinic}"
    return [
        ("hello signed in (reference)", "/bench/hello-signed-in/", patient),
        ("portal frame (reference)", "/bench/portal-frame/", patient),
        ("portal dashboard", "/portal/", patient),
        ("portal appointments", "/portal/appointments/", patient),
        ("portal shop", "/portal/shop/", patient),
        ("portal cart", "/portal/cart/", patient),
        ("portal orders", "/portal/orders/", patient),
        ("portal documents", "/portal/documents/", patient),
        ("staff home", f"{staff_root}/", staff),
        ("staff patient search", f"{staff_root}/patients/?{urlencode({'q': data.search})}", staff),
        ("staff order queue (all)", f"{staff_root}/orders/?queue=all", staff),
        ("staff day schedule", f"{staff_root}/schedule/", staff),
    ]


def median(runs: list[Run], name: str) -> float:
    return statistics.median(getattr(run, name) for run in runs)


def report(figures: list[PageFigures], args: argparse.Namespace) -> str:
    lines = [
        f"{args.workers} gunicorn sync workers, wrk {args.seconds} s per run, {args.rounds} rounds, medians;"
        " CPU = milliseconds per request",
        "",
        "| page | req/s c=16 | hello req/s | ratio | p50 / p95 / p99 ms c=16 | req/s c=32 | p95 ms c=32 "
        "| worker CPU | PostgreSQL CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    all_hello = [run for page in figures for run in page.hello]
    lines.append(
        f"| Django hello | {median(all_hello, 'requests_per_second'):.0f} | | 1 "
        f"| {median(all_hello, 'p50_ms'):.1f} / {median(all_hello, 'p95_ms'):.1f} / {median(all_hello, 'p99_ms'):.1f} "
        f"| | | {median(all_hello, 'worker_cpu_ms'):.2f} | {median(all_hello, 'database_cpu_ms'):.2f} |"
    )
    for page in figures:
        ratios = [
            run.requests_per_second / hello.requests_per_second
            for run, hello in zip(page.at_16, page.hello, strict=True)
        ]
        errors = sum(run.errors for run in page.at_16 + page.at_32)
        lines.append(
            f"| {page.name}{' (' + str(errors) + ' errors)' if errors else ''} "
            f"| {median(page.at_16, 'requests_per_second'):.0f} | {median(page.hello, 'requests_per_second'):.0f} "
            f"| {statistics.median(ratios):.3f} "
            f"| {median(page.at_16, 'p50_ms'):.1f} / {median(page.at_16, 'p95_ms'):.1f} "
            f"/ {median(page.at_16, 'p99_ms'):.1f} "
            f"| {median(page.at_32, 'requests_per_second'):.0f} | {median(page.at_32, 'p95_ms'):.1f} "
            f"| {median(page.at_16, 'worker_cpu_ms'):.2f} | {median(page.at_16, 'database_cpu_ms'):.2f} |"
        )
    return "\n".join(lines)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["demo", "scale"], default="demo")
    parser.add_argument("--database-url", help="default: portal_bench (demo, rebuilt) or portal_scale (scale)")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--only", help="run only the pages whose name contains this text")
    parser.add_argument("--json", type=Path, help="also write every run's figures to this file")
    parser.add_argument("--clinic", default="metro-health", help="scale data: the big clinic's slug")
    parser.add_argument("--patient-email", default="scale-patient@example.com")
    parser.add_argument("--staff-email", default="scale-staff@example.com")
    parser.add_argument("--password", default="scale-password-123")
    parser.add_argument("--search", default="smith", help="scale data: the staff patient search")
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    host = "postgres://postgres@127.0.0.1:5432"
    if args.data == "demo":
        data = DataSet(
            database_url=args.database_url or f"{host}/portal_bench",
            clinic="harbor",
            patient_email="olivia@patient.example",
            staff_email="nurse@harbor.example",
            password=DEMO_PASSWORD,
            search="brown",
        )
    else:
        data = DataSet(
            database_url=args.database_url or f"{host}/portal_scale",
            clinic=args.clinic,
            patient_email=args.patient_email,
            staff_email=args.staff_email,
            password=args.password,
            search=args.search,
        )
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        # The demo data's files go to a folder of the run; seed_scale's sample files are in the project's media/.
        media = f"{folder}/media" if args.data == "demo" else str(ROOT / "media")
        env = server_env(data.database_url, port, f"{folder}/static", media)
        if args.data == "demo":
            print("Building the demo data in", data.database_url, flush=True)
            build_demo_database(env, data.database_url)
        manage(env, "collectstatic", "--noinput")
        script = Path(folder) / "report.lua"
        script.write_text(WRK_REPORT)
        server = Server(env, port, args.workers)
        try:
            patient = sign_in(port, data.patient_email, data.password)
            staff = sign_in(port, data.staff_email, data.password)
            chosen = [page for page in pages(data, patient, staff) if not args.only or args.only in page[0]]
            for _, path, cookies in chosen:
                check_page(port, path, cookies)
            figures = [PageFigures(name, path) for name, path, _ in chosen]
            for round_number in range(1, args.rounds + 1):
                for page, (_, path, cookies) in zip(figures, chosen, strict=True):
                    print(f"round {round_number}: {page.name}", file=sys.stderr, flush=True)
                    page.hello.append(measure(server, HELLO, 16, args.seconds, {}, script))
                    page.at_16.append(measure(server, path, 16, args.seconds, cookies, script))
                    page.at_32.append(measure(server, path, 32, args.seconds, cookies, script))
            for _, path, cookies in chosen:
                check_page(port, path, cookies)
        finally:
            server.stop()
    print(f"\n{args.data} data, {data.database_url}\n")
    print(report(figures, args))
    if args.json:
        args.json.write_text(json.dumps([page.__dict__ for page in figures], default=lambda run: run.__dict__))


if __name__ == "__main__":
    main()
