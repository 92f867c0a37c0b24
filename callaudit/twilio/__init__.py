"""Twilio: ingest of calls, recordings and media into the landing zone with the official ``twilio`` client.

    from callaudit.twilio import run_ingest
    summary = run_ingest(settings)            # TWILIO_API_BASE_URL may point at the test kit's emulator

The emulator, its faults and fixtures live in the test kit (``callaudit_testkit.twilio``), not in the product.
"""

from callaudit.twilio.ingest import IngestSummary, run_ingest

__all__ = ["IngestSummary", "run_ingest"]
