"""Twilio: the local API emulator, fixtures, and ingest into the landing zone.

Python API (the demo and pipeline tests call these in-process)::

    from callaudit.twilio import serve_emulator, run_ingest
    with serve_emulator(data_dir, faults="rate=0.2,seed=1") as emulator:
        summary = run_ingest(settings, base_url=emulator.url)
"""

from callaudit.twilio.emulator import EmulatorHandle, serve_emulator
from callaudit.twilio.faults import FaultPlan
from callaudit.twilio.ingest import IngestSummary, run_ingest

__all__ = ["EmulatorHandle", "FaultPlan", "IngestSummary", "run_ingest", "serve_emulator"]
