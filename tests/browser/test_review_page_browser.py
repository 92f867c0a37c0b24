"""The review page in a real headless Chromium: an analyst walks the review queue, reads the redacted transcript
beside the auditor's evidence, records a verdict, and the verdict lands as a review row — the same row the CSV
import would land. Hostile transcript text is shown as text, never run; the API refuses cross-site posts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from chromium import CHROMIUM, CHROMIUM_ARGS
from report_gold import HOSTILE_IMG, HOSTILE_SCRIPT, settings_for, shared_gold_home

from callaudit.config import Settings

pytestmark = [pytest.mark.browser, pytest.mark.spark]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-output" / "review_page.png"


def test_review_page_records_a_verdict_in_chromium(spark, tmp_path_factory, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from callaudit.calibration.records import check_file
    from callaudit.review.landing import landed_reviews, reviews_dir
    from callaudit.review.server import ReviewServer, load_review_data

    gold = settings_for(shared_gold_home(spark, tmp_path_factory))
    data = load_review_data(gold, spark=spark)
    queue = {r.call_sid for r in spark.read.format("delta").load(str(gold.table_path("review_queue"))).collect()}
    assert {c["call_sid"] for c in data.calls} == queue and queue
    home = Settings(home=tmp_path / "home", cache=gold.cache)  # verdicts land here, not in the shared gold home

    with ReviewServer(home, data, reviewer=None) as server, sync_playwright() as p:
        # the API is for the page only: no header / wrong Host / bad verdict -> refused, nothing landed
        url = server.url + "api/reviews"
        verdict = {"call_sid": data.calls[0]["call_sid"], "reviewer": "x", "has_greeting": "true"}
        assert requests.post(url, json=verdict, timeout=5).status_code == 403
        assert requests.post(url, json=verdict, timeout=5, headers={"X-Callaudit-Review": "1",
                                                                    "Host": "evil.example:80"}).status_code == 421
        bad = requests.post(url, json={**verdict, "quality_category": "Fantástica"}, timeout=5,
                            headers={"X-Callaudit-Review": "1"})
        assert bad.status_code == 400 and "not a category" in bad.json()["error"]
        assert not reviews_dir(home.landing).exists() or not list(reviews_dir(home.landing).glob("*.csv"))

        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        try:
            outside = []

            def guard(route):  # only the review server itself may be reached
                if route.request.url.startswith(server.url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            errors, dialogs = [], []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(server.url, wait_until="networkidle")

            assert page.locator("nav button.call").count() == len(data.calls)
            # the hostile call (Juan Pérez's) is first in the queue: critical
            page.locator("nav button.call", has_text="Juan Pérez").first.click()
            transcript = page.locator("#transcript").inner_text()
            assert HOSTILE_SCRIPT in transcript and HOSTILE_IMG in transcript and "[CEDULA]" in transcript
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.evaluate("typeof window.__pwned2") == "undefined"
            criteria = page.locator("#criteria").inner_text()
            assert "Saludo" in criteria and "Palabras prohibidas" in criteria and "qué pereza" in criteria.lower()
            sid = page.locator("#title").inner_text().strip()

            for step, value in (("has_greeting", "false"), ("has_identification", "false"),
                                ("has_help_offer", "false"), ("has_farewell", "")):
                page.locator(f"input[name='{step}'][value='{value}']").check()
            page.fill("#forbidden", "qué pereza; eso no es mi problema")
            page.select_option("#category", "Requiere Atención")
            page.fill("#note", "grosero con el cliente, <b>no</b> ofreció ayuda")
            page.fill("#reviewer", "Ana Ruiz")
            page.click("button.save")
            # a locator wait, not wait_for_function: the page's CSP forbids eval, which a polling predicate needs
            expect(page.locator("body")).to_have_attribute("data-last-saved", re.compile(r".+"), timeout=15_000)
            status = page.locator("#status").inner_text()
            assert "Guardado" in status, status
            assert "revisada" in page.locator("nav button.call", has_text="Juan Pérez").first.inner_text() or \
                page.locator("nav .done").count() == 1
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.evaluate("document.querySelector('main').scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOT))
            assert errors == [] and dialogs == [] and outside == []
        finally:
            context.close()

    landed = landed_reviews(home.landing)
    assert len(landed) == 1
    (review, _), = landed.values()
    assert review.call_sid == sid and review.reviewer == "Ana Ruiz"
    assert (review.has_greeting, review.has_identification, review.has_help_offer, review.has_farewell) == \
        (False, False, False, None)
    assert review.forbidden_words == ("eso no es mi problema", "qué pereza")
    assert review.quality_category == "Requiere Atención" and not review.is_calibration
    assert review.note == "grosero con el cliente, <b>no</b> ofreció ayuda"
    # the landed file is an ordinary review CSV: the pipeline and `review import` read it the same way
    [path] = list(reviews_dir(home.landing).glob("*.csv"))
    again = check_file(path.read_bytes(), categories=data.categories, known_calls=data.call_sids)
    assert again.rejected == [] and again.reviews == [review]
    (ROOT / "test-output" / "review_page_row.json").write_text(json.dumps(review.to_dict(), ensure_ascii=False,
                                                                          indent=1))
