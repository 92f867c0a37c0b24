"""Switchable faults for the Twilio emulator: what a real API does to a client on a bad day.

Kinds: ``429`` (code 20429 with ``Retry-After``), ``500`` / ``503`` (codes 20500 / 20503), ``cut`` (headers
and half the body, then the connection closes) and ``slow`` (served correctly after a delay). A request is
faulted by a deterministic schedule ("requests 3, 7 and 8 fail with 503"), by an outage from request N on, or
at random with a seeded RNG. Every decision is counted so a test can report how many requests were faulted.

Plans come from Python (:class:`FaultPlan`), the CLI / ``CALLAUDIT_EMULATOR_FAULTS`` as a compact string
(:meth:`FaultPlan.parse`), or the emulator's control endpoint ``POST /_emulator/faults`` as JSON.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field

FAULT_KINDS = ("429", "500", "503", "cut", "slow")
SCOPES = ("all", "api", "media")


class FaultPlanError(ValueError):
    pass


@dataclass
class FaultPlan:
    rate: float = 0.0  # probability that a request (in scope) is faulted
    kinds: tuple[str, ...] = FAULT_KINDS  # what a random fault can be
    schedule: dict[int, str] = field(default_factory=dict)  # 1-based request number -> kind
    fail_from: int | None = None  # an outage: every request from this number on fails with fail_kind
    fail_kind: str = "503"
    seed: int = 0
    slow_seconds: float = 0.3
    retry_after: int = 0  # seconds in the Retry-After header of a 429
    scope: str = "all"  # all | api (JSON endpoints) | media

    def __post_init__(self) -> None:
        self.kinds = tuple(self.kinds)
        self.schedule = {int(k): str(v) for k, v in dict(self.schedule).items()}
        for kind in (*self.kinds, *self.schedule.values(), self.fail_kind):
            if kind not in FAULT_KINDS:
                raise FaultPlanError(f"unknown fault kind '{kind}' (choose from {', '.join(FAULT_KINDS)})")
        if not 0.0 <= float(self.rate) <= 1.0:
            raise FaultPlanError(f"fault rate {self.rate} is not between 0 and 1")
        if self.scope not in SCOPES:
            raise FaultPlanError(f"unknown fault scope '{self.scope}' (choose from {', '.join(SCOPES)})")
        if not self.kinds and self.rate:
            raise FaultPlanError("a fault rate needs at least one kind")

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """``rate=0.2,kinds=429+503+cut,seed=3,schedule=3:503;7:cut,fail_from=40,slow=0.5,retry_after=1``."""
        kwargs: dict = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, value = part.partition("=")
            if not sep:
                raise FaultPlanError(f"'{part}' is not key=value")
            key = key.strip().replace("-", "_")
            try:
                if key == "rate":
                    kwargs["rate"] = float(value)
                elif key == "kinds":
                    kwargs["kinds"] = tuple(filter(None, value.split("+")))
                elif key == "schedule":
                    kwargs["schedule"] = {
                        int(n): kind for n, _, kind in (item.partition(":") for item in value.split(";") if item)
                    }
                elif key in ("fail_from", "seed", "retry_after"):
                    kwargs[key] = int(value)
                elif key == "fail_kind":
                    kwargs["fail_kind"] = value
                elif key in ("slow", "slow_seconds"):
                    kwargs["slow_seconds"] = float(value)
                elif key == "scope":
                    kwargs["scope"] = value
                else:
                    raise FaultPlanError(f"unknown fault setting '{key}'")
            except ValueError as exc:
                if isinstance(exc, FaultPlanError):
                    raise
                raise FaultPlanError(f"bad value in '{part}': {exc}") from exc
        return cls(**kwargs)

    @classmethod
    def from_dict(cls, data: dict) -> FaultPlan:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise FaultPlanError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        return cls(**data)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["kinds"] = list(self.kinds)
        data["schedule"] = {str(k): v for k, v in self.schedule.items()}
        return data


class FaultInjector:
    """Decides, per request, whether and how to fault it; thread-safe; counts everything it did."""

    def __init__(self, plan: FaultPlan | None = None):
        self._lock = threading.Lock()
        self.set_plan(plan or FaultPlan())

    def set_plan(self, plan: FaultPlan, *, reset_counters: bool = True) -> None:
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)
            if reset_counters or not hasattr(self, "requests"):
                self.requests = 0
                self.faulted_requests: list[int] = []
                self.by_kind: dict[str, int] = {}

    def decide(self, scope: str) -> str | None:
        """Count one request (``scope`` is ``api`` or ``media``) and return the fault to inject, if any."""
        with self._lock:
            self.requests += 1
            number = self.requests
            plan = self.plan
            if plan.scope not in ("all", scope):
                return None
            kind = plan.schedule.get(number)
            if kind is None and plan.fail_from is not None and number >= plan.fail_from:
                kind = plan.fail_kind
            # draw for every request so the sequence only depends on the seed and request order
            draw = self._rng.random()
            pick = self._rng.choice(plan.kinds) if plan.kinds else None
            if kind is None and draw < plan.rate:
                kind = pick
            if kind is not None:
                self.faulted_requests.append(number)
                self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            return kind

    def stats(self) -> dict:
        with self._lock:
            return {
                "requests": self.requests,
                "faulted": len(self.faulted_requests),
                "by_kind": dict(self.by_kind),
                "faulted_requests": list(self.faulted_requests),
                "plan": self.plan.to_dict(),
            }
