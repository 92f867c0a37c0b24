"""The quality report opened in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The report is generated from small real gold tables (tests/report_gold.py) that include hostile transcript text
(``<script>``, an ``onerror`` attribute) and a redaction placeholder ([CEDULA]). The page must render its charts
and tables, execute nothing from the data, fetch nothing from anywhere, and produce a real screenshot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS
from report_gold import HOSTILE_IMG, HOSTILE_SCRIPT, settings_for, shared_gold_home

pytestmark = [pytest.mark.browser, pytest.mark.spark]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-output" / "report.png"
CHARTS = 10  # trend, compliance per agent / per vendor, forbidden words, durations, sentiment per day / per week,
# calls per driver, drivers per day, surveyed vs predicted satisfaction per agent


def test_report_in_headless_chromium(spark, tmp_path_factory, tmp_path):
    from playwright.sync_api import sync_playwright

    from callaudit.report import build_report
    from callaudit.report.data import read_report_data
    from callaudit.report.metrics import kpis_for_period
    from callaudit.report.render import kpi_value

    settings = settings_for(shared_gold_home(spark, tmp_path_factory))
    report = build_report(settings, tmp_path / "reporte.html", days=30, spark=spark)
    period = read_report_data(settings, 30, spark=spark)
    expected_kpis = kpis_for_period(period.audits)
    audited = len(period.audits)

    console_errors, page_errors, dialogs, requests = [], [], [], []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        try:
            def guard(route):  # only the report file itself may load
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_timeout(300)  # give any (unwanted) script or handler a chance to run

            # 1. nothing from the data ran, nothing was fetched, nothing complained
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.evaluate("typeof window.__pwned2") == "undefined"
            assert dialogs == [] and page_errors == [] and console_errors == []
            assert requests == [report.as_uri()]
            assert page.locator("script").count() == 0 and page.locator("img").count() == 0

            # 2. the hostile text and the placeholder are shown as text
            critical = page.locator("#critical-table").inner_text()
            assert HOSTILE_SCRIPT in critical and HOSTILE_IMG in critical and "[CEDULA]" in critical
            assert page.locator("#critical-table tbody tr").count() == 1
            assert page.locator("#review-table tbody tr").count() == 1
            assert "Crítica" in page.locator("#review-table").inner_text()

            # 3. every chart is there, drawn, and has a real size on screen
            charts = page.locator("figure.chart svg")
            assert charts.count() == CHARTS
            for i in range(CHARTS):
                svg = charts.nth(i)
                marks = svg.locator("rect.bar, path.series, circle").count()
                assert marks > 0, f"chart {i} is empty"
                assert (svg.locator("title").first.text_content() or "").strip()  # accessible name
                box = svg.bounding_box()
                assert box and box["width"] > 300 and box["height"] > 60
            assert page.locator("figure.chart .empty").count() == 0

            # 4. the KPI table: one row per KPI, values as computed from the gold audits, met / not met
            rows = page.locator("#kpi-table tbody tr")
            assert rows.count() == len(expected_kpis) == 5
            for i, k in enumerate(expected_kpis):
                cells = rows.nth(i).locator("td").all_inner_texts()
                assert cells[0] == k.label and cells[1] == kpi_value(k.value, k.unit)
                assert cells[3] == ("Cumple" if k.met else "No cumple")
            assert page.locator("#kpi-table tbody tr.status-met, #kpi-table tbody tr.status-miss").count() == 5
            assert "30 días" in page.locator("#periodo").inner_text()

            # 5. coaching: one card per agent with missed steps, each step with its moments and advice
            cards = page.locator("#coaching article.coach")
            assert cards.count() >= 1
            first = cards.first
            assert first.locator(".step").count() >= 1 and first.locator("p.advice").count() >= 1
            assert first.locator("ul.moments li code").first.inner_text().startswith("CA")
            # satisfaction: surveyed vs predicted, and the unsurveyed call with its predicted score and interval
            assert "3 llamadas encuestadas" in page.locator("#satisfaction-summary").inner_text()
            assert page.locator("#satisfaction-risk-table tbody tr").count() == 1
            # the agent index links to each agent's card
            assert page.locator("#coaching nav.agent-index a").count() == cards.count()
            # a moment links to its call's page in the report: verdicts, driver and the redacted transcript
            moment = first.locator("ul.moments li a").first
            sid = moment.inner_text()
            moment.click()
            target = page.locator(f"article.call-page#llamada-{sid}")
            assert target.count() == 1 and target.is_visible()
            assert page.evaluate("location.hash") == f"#llamada-{sid}"
            assert "motivo:" in target.inner_text()
            target.locator("summary").click()
            assert target.locator(".transcript p").count() > 0 and target.locator(".transcript").is_visible()
            target.screenshot(path=str(SCREENSHOT.with_name("coaching_call_page.png")))
            page.evaluate("window.scrollTo(0, 0)")
            # drivers: one table row per driver, its calls summing to the period's audited calls
            driver_rows = page.locator("#drivers-table tbody tr")
            assert driver_rows.count() >= 1
            assert sum(int(driver_rows.nth(i).locator("td").nth(1).inner_text())
                       for i in range(driver_rows.count())) == audited
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            first.screenshot(path=str(SCREENSHOT.with_name("coaching_card.png")))
            # 6. the "today" view: audits of the last hour (this gold was scored just now)
            assert page.locator("#recent-table tbody tr").count() >= 1

            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            context.close()

    assert SCREENSHOT.with_name("coaching_card.png").stat().st_size > 5_000
    # 7. the screenshot is a real, non-blank PNG of the whole page
    from PIL import Image, ImageStat

    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    with Image.open(SCREENSHOT) as img:
        rgb = img.convert("RGB")
        assert rgb.width == 1280 and rgb.height > 2000
        colours = rgb.getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 200
        assert max(ImageStat.Stat(rgb).stddev) > 20
