"""Browser tests: Playwright driving Debian's Chromium against a live test server.

They skip, saying why, where Chromium is not installed; CI installs it and sets
INSPIRING_REQUIRE_BROWSER=1 so a missing browser fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA, the standard the interface is built to.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _unavailable(reason: str) -> None:
    if os.environ.get("INSPIRING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Browser tests are required here but cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements-dev
        _unavailable("Playwright is not installed")
    # Playwright's sync API keeps an event loop in this thread; the test bodies
    # still use Django's ORM synchronously, which is safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A fresh browser tab; fails the test on any console error (CSP refusals included)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"The browser reported errors: {errors}"


def axe_violations(tab: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.2 AA violations on the current page (axe-core)."""
    if not AXE.exists():
        _unavailable(f"{AXE} is missing: run `npm ci`")
    # Evaluated through the DevTools protocol, so the page's CSP does not apply.
    tab.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    results = tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def demo_ashfield(settings: Any) -> Any:
    """The demo's sign-ins (no directory), the geography and the taxonomy, on a demo site
    without the two-factor prompt: Ashfield, where the journeys happen."""

    from inspiring.areas.models import Area
    from inspiring.demo.loading import load_demo
    from inspiring.directory.models import Category, SupportFeature
    from inspiring.directory.taxonomy_data import seed_taxonomy
    from tests.geography import ensure_geography

    settings.DEMO_MODE = True
    settings.TWO_FACTOR_REQUIRED = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    load_demo(directory=False)
    ensure_geography()
    seed_taxonomy(Category, SupportFeature)
    return Area.objects.get(slug="ashfield")
