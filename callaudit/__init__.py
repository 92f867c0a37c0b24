"""callaudit: automatic quality audits of contact-centre calls.

Twilio calls and recordings -> landing -> bronze -> silver (typed, deduplicated, transcribed, redacted,
scored) -> gold tables, marts, report and alerts. See README.md and docs/ARCHITECTURE.md.
"""

__version__ = "0.1.0"
