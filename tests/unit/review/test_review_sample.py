"""Stratified review samples: per agent, spread over categories, reproducible from the record, tamper-evident."""

from __future__ import annotations

from collections import Counter

import pytest

from callaudit.review.sample import Candidate, allocate, draw, load, record, replay, save

CATS = ["Excelente", "Buena", "Regular", "Requiere Atención"]


def population():
    out = []
    for agent, sizes in (("ana", (30, 50, 15, 5)), ("luis", (2, 10, 0, 1)), ("sara", (0, 3, 0, 0))):
        n = 0
        for category, size in zip(CATS, sizes, strict=True):
            for _ in range(size):
                out.append(Candidate(f"CA{hash((agent, n)) & (2**128 - 1):032x}", agent, category))
                n += 1
    return out


def test_allocation_is_proportional_with_one_per_category_and_capped():
    assert allocate({"A": 30, "B": 50, "C": 15, "D": 5}, 10, ["D", "C", "B", "A"]) == {"D": 1, "C": 2, "B": 4, "A": 3}
    assert allocate({"A": 1, "B": 1}, 5, []) == {"A": 1, "B": 1}  # capped by what exists
    assert sum(allocate({"A": 7, "B": 3, "C": 1}, 2, ["C", "B", "A"]).values()) == 2


def test_draw_is_stratified_reproducible_and_independent_per_agent():
    pop = population()
    drawn = draw(pop, per_agent=8, seed=2026, categories=CATS)
    per_agent = Counter(c.agent for c in drawn)
    assert per_agent == {"ana": 8, "luis": 8, "sara": 3}
    ana = Counter(c.quality_category for c in drawn if c.agent == "ana")
    assert set(ana) == set(CATS)  # every category of hers is looked at, the rare worst one included
    assert draw(pop, per_agent=8, seed=2026, categories=CATS) == drawn
    assert draw(list(reversed(pop)), per_agent=8, seed=2026, categories=CATS) == drawn  # input order irrelevant
    assert draw(pop, per_agent=8, seed=2027, categories=CATS) != drawn
    without_sara = draw([c for c in pop if c.agent != "sara"], per_agent=8, seed=2026, categories=CATS)
    assert [c for c in drawn if c.agent != "sara"] == without_sara


def test_record_replays_and_detects_tampering(tmp_path):
    pop = population()
    drawn = draw(pop, per_agent=4, seed=9, categories=CATS)
    rec = record(pop, drawn, per_agent=4, seed=9, filters={"since": None}, categories=CATS)
    path = save(rec, tmp_path)
    loaded = load(tmp_path, "latest")
    assert loaded["sample_id"] == rec["sample_id"] and path.exists()
    assert [c.call_sid for c in replay(loaded)] == [c["call_sid"] for c in rec["calls"]]
    loaded["population"]["rows"].pop()
    with pytest.raises(ValueError, match="sha256"):
        replay(loaded)


def test_cli_replays_a_record_without_draw_flags_and_a_new_draw_needs_them(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from callaudit.cli import app

    monkeypatch.setenv("CALLAUDIT_HOME", str(tmp_path / "home"))
    pop = population()
    rec = record(pop, draw(pop, per_agent=2, seed=5, categories=CATS), per_agent=2, seed=5, filters={},
                 categories=CATS)
    path = save(rec, tmp_path)
    runner = CliRunner()
    ok = runner.invoke(app, ["review", "sample", "--replay", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "identical to the record" in ok.output
    missing = runner.invoke(app, ["review", "sample", "--seed", "1"])
    assert missing.exit_code == 2 and "--per-agent" in missing.output
