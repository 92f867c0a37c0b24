"""Review samples a QA lead can defend: stratified by agent and category, random with a seed, recorded.

``draw(population, per_agent=N, seed=S)`` picks N calls per agent; within an agent the N are spread over the
auditor's categories (largest-remainder allocation by category size, at least one per category while N allows,
so the calls the auditor rates *Excelente* are checked too — that is where its misses hide), then drawn at random
within each category. Every stratum has its own generator seeded from ``(seed, agent, category)``, so adding an
agent does not change another agent's draw.

The draw is recorded as JSON (``landing/review_samples/<id>.json``): seed, filters, the population (every call
sid, its agent and category, and a sha256 of it) and the calls drawn. ``replay(record)`` draws again from the
recorded population and must give the same calls — anyone can check a sample was not hand-picked.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FOLDER = "review_samples"
UNKNOWN = "(sin categoría)"


@dataclass(frozen=True)
class Candidate:
    call_sid: str
    agent: str
    quality_category: str


def allocate(sizes: dict[str, int], n: int, order: Sequence[str]) -> dict[str, int]:
    """How many of ``n`` to draw from each stratum: one each first (worst category first, while n allows), the
    rest in proportion to what is left in each stratum (largest remainder), never more than a stratum holds."""
    strata = [s for s in order if sizes.get(s, 0) > 0] + sorted(s for s in sizes if s not in order and sizes[s] > 0)
    n = min(n, sum(sizes[s] for s in strata))
    take = dict.fromkeys(strata, 0)
    for s in strata[:n]:
        take[s] = 1
    left = n - sum(take.values())
    while left > 0:
        room = {s: sizes[s] - take[s] for s in strata if sizes[s] > take[s]}
        total = sum(room.values())
        quotas = {s: left * r / total for s, r in room.items()}
        floors = {s: min(int(q), room[s]) for s, q in quotas.items()}
        remainder = left - sum(floors.values())
        ranked = sorted(room, key=lambda s: (-(quotas[s] - int(quotas[s])), strata.index(s)))
        for s in ranked:
            if remainder and floors[s] < room[s]:
                floors[s] += 1
                remainder -= 1
        for s, v in floors.items():
            take[s] += v
        left = n - sum(take.values())
    return take


def _rng(seed: int, agent: str, category: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x1f{agent}\x1f{category}".encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def draw(population: Iterable[Candidate], *, per_agent: int, seed: int,
         categories: Sequence[str] = ()) -> list[Candidate]:
    """``per_agent`` calls for each agent, stratified by category (``categories`` best first)."""
    if per_agent < 1:
        raise ValueError("per_agent must be at least 1")
    by_agent: dict[str, dict[str, list[Candidate]]] = defaultdict(lambda: defaultdict(list))
    for c in sorted(set(population), key=lambda c: c.call_sid):
        by_agent[c.agent][c.quality_category or UNKNOWN].append(c)
    worst_first = list(reversed(categories))
    drawn: list[Candidate] = []
    for agent in sorted(by_agent):
        strata = by_agent[agent]
        take = allocate({k: len(v) for k, v in strata.items()}, per_agent, worst_first)
        for category, k in take.items():
            if k:
                drawn.extend(_rng(seed, agent, category).sample(strata[category], k))
    return sorted(drawn, key=lambda c: (c.agent, c.call_sid))


def population_sha256(population: Iterable[Candidate]) -> str:
    lines = sorted(f"{c.call_sid}\t{c.agent}\t{c.quality_category}" for c in set(population))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def record(population: Sequence[Candidate], drawn: Sequence[Candidate], *, per_agent: int, seed: int,
           filters: dict[str, Any], categories: Sequence[str], now: datetime | None = None) -> dict[str, Any]:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    digest = population_sha256(population)
    return {
        "sample_id": f"{now.strftime('%Y%m%dT%H%M%S')}-seed{seed}-{digest[:8]}",
        "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "method": "stratified by agent and auditor category; largest-remainder allocation (>= 1 per category "
                  "while per_agent allows); per-stratum random.Random seeded from sha256(seed, agent, category)",
        "seed": seed,
        "per_agent": per_agent,
        "filters": filters,
        "categories": list(categories),
        "population": {"calls": len(set(population)), "sha256": digest,
                       "rows": [[c.call_sid, c.agent, c.quality_category]
                                for c in sorted(set(population), key=lambda c: c.call_sid)]},
        "calls": [{"call_sid": c.call_sid, "agent": c.agent, "quality_category": c.quality_category}
                  for c in drawn],
    }


def replay(rec: dict[str, Any]) -> list[Candidate]:
    """Draw again from a recorded population; raises ValueError if the record was altered."""
    population = [Candidate(*row) for row in rec["population"]["rows"]]
    if population_sha256(population) != rec["population"]["sha256"]:
        raise ValueError("the recorded population does not match its sha256 (the record was edited)")
    return draw(population, per_agent=int(rec["per_agent"]), seed=int(rec["seed"]),
                categories=rec.get("categories") or ())


def save(rec: dict[str, Any], landing: Path) -> Path:
    folder = Path(landing) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rec['sample_id']}.json"
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(rec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load(landing: Path, sample: str) -> dict[str, Any]:
    """A recorded sample by id, by path, or ``latest``."""
    path = Path(sample)
    if not path.is_file():
        folder = Path(landing) / FOLDER
        candidates = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if sample == "latest":
            if not candidates:
                raise FileNotFoundError("no review sample recorded yet (run `callaudit review sample` first)")
            path = candidates[-1]
        else:
            path = folder / f"{sample}.json"
            if not path.is_file():
                raise FileNotFoundError(f"no review sample {sample!r} in {folder}")
    return json.loads(path.read_text(encoding="utf-8"))
