"""Take the README's tour screenshots from a fresh demo database.

    .venv/bin/python scripts/screenshots.py

Starts the portal on a temporary SQLite database with the demo data, signs in
as demo users in headless Chromium and writes docs/screenshots/*.png.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.browser.conftest import CHROMIUM_ARGS, find_chromium  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "portal-demo-2026"


def start_server(database: Path) -> tuple[subprocess.Popen, str]:
    """Returns the server and the path of the demo's pending invitation link."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "true"}
    output = ""
    for command in (["migrate", "--noinput"], ["createcachetable"], ["seed_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        output = done.stdout
    # The list seed_demo prints last, not the first link in its output: the emails printed before
    # it include invitations that the demo patients have already accepted.
    pending = output.split("Pending invitation links")[1]
    invitation_path = re.search(r"https?://[^/\s]+(/invite/#[\w-]+)", pending).group(1)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
            return server, invitation_path
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("The server did not start.")


def sign_in(page, email: str) -> None:
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def shoot(browser, name: str, width: int, email: str | None, path: str, *, full_page: bool = False) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800 if width > 500 else 740})
    page = context.new_page()
    if email:
        sign_in(page, email)
    page.goto(f"{BASE}{path}")
    page.wait_for_load_state("networkidle")
    if full_page:  # scroll through once so lazily loaded images (document pages) are in the picture
        height = page.evaluate("document.body.scrollHeight")
        for top in range(0, height, 600):
            page.evaluate(f"window.scrollTo(0, {top})")
            page.wait_for_timeout(50)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    context.close()
    print(f"docs/screenshots/{name}.png")


def take_request_screens(browser) -> None:
    """Issue 14's request form, the Appointments page with requests, and Riverside's request queue."""
    new = "/portal/appointments/requests/new/"
    shoot(browser, "portal-appointment-request-phone", 375, "maria@patient.example", new, full_page=True)
    shoot(browser, "portal-appointment-request", 1280, "maria@patient.example", new, full_page=True)
    for width, suffix in ((375, "-phone"), (1280, "")):
        shoot(
            browser,
            f"portal-appointments-requests{suffix}",
            width,
            "maria@patient.example",
            "/portal/appointments/",
            full_page=True,
        )
        shoot(
            browser,
            f"staff-appointment-requests{suffix}",
            width,
            "frontdesk@riverside.example",
            "/staff/riverside/appointments/requests/",
            full_page=True,
        )


def take_account_and_trust_screens(browser) -> None:
    """A receipt, the account page, a documents-only guardian's home, payments needing attention, and
    self-booking (a provider's working hours, a patient's open times)."""
    shots = (
        ("portal-receipt-phone", 375, "olivia@patient.example", "/portal/orders/5/receipt/"),
        ("portal-account-phone", 375, "chen@patient.example", "/portal/account/"),
        ("portal-proxy-dashboard-phone", 375, "daniel@patient.example", "/portal/"),
        ("staff-payment-attention", 1280, "owner@harbor.example", "/staff/harbor/payments/attention/"),
        ("staff-provider-working-hours", 1280, "owner@riverside.example", "/staff/riverside/setup/providers/1/hours/"),
    )
    for name, width, email, path in shots:
        shoot(browser, name, width, email, path, full_page=True)
    # Chen's open times of a follow-up visit at Riverside (the first week, as a phone shows it).
    shoot(browser, "portal-open-times-phone", 375, "chen@patient.example", "/portal/appointments/book/2/")
    # ... and the confirmation a chosen time asks for (the next week's first 9:00 AM).
    context = browser.new_context(viewport={"width": 375, "height": 900})
    page = context.new_page()
    sign_in(page, "chen@patient.example")
    page.goto(f"{BASE}/portal/appointments/book/2/?week=1")
    page.get_by_role("button", name="9:00 AM").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / "portal-open-time-confirm-phone.png"))
    context.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server, invitation_path = start_server(Path(folder) / "screens.sqlite3")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
                shoot(browser, "sign-in-phone", 375, None, "/accounts/login/")
                shoot(browser, "portal-dashboard-phone", 375, "maria@patient.example", "/portal/")
                shoot(browser, "portal-appointments-phone", 375, "chen@patient.example", "/portal/appointments/")
                shoot(
                    browser, "portal-appointments-past", 1280, "maria@patient.example", "/portal/appointments/?tab=past"
                )
                shoot(browser, "portal-shop", 1280, "olivia@patient.example", "/portal/shop/")
                shoot(browser, "portal-shop-phone", 375, "olivia@patient.example", "/portal/shop/?category=medications")
                shoot(browser, "portal-product-phone", 375, "olivia@patient.example", "/portal/shop/7/")
                shoot(browser, "portal-cart", 1280, "olivia@patient.example", "/portal/cart/")
                shoot(browser, "portal-order", 375, "olivia@patient.example", "/portal/orders/1/", full_page=True)
                shoot(browser, "staff-orders", 1280, "owner@harbor.example", "/staff/harbor/orders/?queue=all")
                take_account_and_trust_screens(browser)
                shoot(
                    browser,
                    "portal-documents-phone",
                    375,
                    "olivia@patient.example",
                    "/portal/documents/",
                    full_page=True,
                )
                shoot(
                    browser,
                    "portal-sign-phone",
                    375,
                    "olivia@patient.example",
                    "/portal/documents/9/sign/",
                    full_page=True,
                )
                shoot(
                    browser,
                    "staff-documents",
                    1280,
                    "owner@harbor.example",
                    "/staff/harbor/documents/8/",
                    full_page=True,
                )
                shoot(browser, "staff-products", 1280, "owner@harbor.example", "/staff/harbor/products/")
                shoot(
                    browser, "staff-product", 1280, "owner@harbor.example", "/staff/harbor/products/3/", full_page=True
                )
                shoot(
                    browser,
                    "staff-schedule",
                    1280,
                    "frontdesk@riverside.example",
                    "/staff/riverside/schedule/",
                    full_page=True,
                )
                shoot(
                    browser,
                    "staff-schedule-week-phone",
                    375,
                    "frontdesk@riverside.example",
                    "/staff/riverside/schedule/week/",
                    full_page=True,
                )
                shoot(
                    browser,
                    "staff-book-appointment",
                    1280,
                    "owner@riverside.example",
                    "/staff/riverside/patients/1/appointments/new/",
                )
                take_request_screens(browser)
                shoot(browser, "staff-patients", 1280, "owner@harbor.example", "/staff/harbor/patients/")
                shoot(browser, "staff-patient-record", 1280, "owner@harbor.example", "/staff/harbor/patients/7/")
                shoot(browser, "staff-team", 1280, "owner@harbor.example", "/staff/harbor/team/")
                shoot(
                    browser,
                    "staff-portal-access",
                    1280,
                    "owner@riverside.example",
                    "/staff/riverside/patients/4/",
                    full_page=True,
                )
                shoot(browser, "invitation-welcome-phone", 375, None, invitation_path)
                shoot(browser, "home-staff-and-patient", 1280, "nurse@harbor.example", "/")
                browser.close()
        finally:
            server.kill()


if __name__ == "__main__":
    main()
