"""What an evaluator finds about one call: a criterion's verdict, a manual-review reason, how the call was read.

Shared by the evaluators (:mod:`callaudit.scoring.evaluators`) and the audit (:mod:`callaudit.scoring.audit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callaudit.scoring.matching import Match

MET, NOT_MET, NA, UNDETERMINED = "met", "not_met", "na", "undetermined"

# speaker_mode values
SPEAKERS_KNOWN = "speaker_channels"
MONO_FALLBACK = "mono_fallback"
NO_AGENT_SPEECH = "no_agent_speech"
TRANSCRIPTION_ERROR = "transcription_error"


@dataclass
class ReviewReason:
    code: str  # stable, for filters: low_score, forbidden_word, very_negative_customer, low_confidence, ...
    message: str  # Spanish, for the analyst

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class CriterionResult:
    key: str
    label: str
    status: str  # met | not_met | na | undetermined (the recogniser was too unsure to tell: review)
    weight: float
    earned: float
    reason: str
    match: Match | None = None
    outside_window: Match | None = None
    other_speaker: Match | None = None
    confidence: float | None = None  # the recogniser's mean word probability over the decisive words
    critical: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "critical": self.critical,
            "label": self.label,
            "weight": self.weight,
            "earned": round(self.earned, 3),
            "reason": self.reason,
            "match": self.match.to_dict() if self.match else None,
            "outside_window": self.outside_window.to_dict() if self.outside_window else None,
            "other_speaker": self.other_speaker.to_dict() if self.other_speaker else None,
        }
