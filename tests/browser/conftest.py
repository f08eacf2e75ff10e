"""Headless Chromium for end-to-end tests.

Chromium is found in this order: $CHROMIUM_PATH, Debian's `chromium`, the
browser Playwright manages. With none, the browser tests are skipped with a
loud message, unless REQUIRE_BROWSER=1 (set by .ci/run), which makes that a
failure so CI never skips them silently.
"""

import os
import shutil
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            managed = playwright.chromium.executable_path
        return managed if Path(managed).exists() else None
    except Exception:  # noqa: BLE001 - any failure here means "no managed browser"
        return None


@pytest.fixture(scope="session")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        message = (
            "NO CHROMIUM FOUND: browser tests are SKIPPED. Install Debian's `chromium` "
            "(apt-get install chromium) or set CHROMIUM_PATH."
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; test code that
    # touches the database from it is safe here (one thread, no real async work).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def new_page(chromium_browser, live_server):
    """Opens pages at a given width. axe is injected by tests, so CSP is bypassed for the injection only."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = chromium_browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url, bypass_csp=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    path = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page) -> None:
    """axe-core (WCAG 2.1 A/AA rules and best practices): no serious or critical violations."""
    assert AXE_SCRIPT.exists(), "axe-core is missing: run `npm ci` (make test does)"
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
        })"""
    )
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: " + "\n".join(serious)


def assert_fits_the_screen(page) -> None:
    """Nothing scrolls sideways at this width (tables scroll inside their own region)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the {page.viewport_size['width']}px screen"


REGIONS_NAMED_LIKE_THEIR_PARENT = """() => {
  const regions = 'section[aria-labelledby], section[aria-label], [role=region]';
  const nameOf = (element) => (element.getAttribute('aria-label')
    || (element.getAttribute('aria-labelledby') || '').split(' ')
      .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ')).replace(/\\s+/g, ' ').trim();
  const found = [];
  for (const region of document.querySelectorAll(regions)) {
    for (let parent = region.parentElement?.closest(regions); parent; parent = parent.parentElement?.closest(regions)) {
      if (nameOf(parent) === nameOf(region)) found.push(nameOf(region));
    }
  }
  return found;
}"""


def assert_regions_are_named_apart(page) -> None:
    """A screen reader's list of regions must not read "Items" inside "Items": a region
    (a scrolling table, say) inside another is named for what it holds, not by the same heading."""
    repeated = page.evaluate(REGIONS_NAMED_LIKE_THEIR_PARENT)
    assert repeated == [], f"{page.url}: regions named like the region around them: {repeated}"


def check_page(page, name: str) -> None:
    """Screenshot the page, then check it fits the screen, passes axe and names its regions apart."""
    screenshot(page, name)
    assert_fits_the_screen(page)
    assert_accessible(page)
    assert_regions_are_named_apart(page)
