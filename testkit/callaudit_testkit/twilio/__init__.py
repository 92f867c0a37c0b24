"""The local Twilio API emulator, its fault injector and its fixtures (test kit: never shipped in the product).

    from callaudit_testkit.twilio import serve_emulator
    from callaudit.twilio import run_ingest
    with serve_emulator(data_dir, faults="rate=0.2,seed=1") as emulator:
        summary = run_ingest(settings, base_url=emulator.url)
"""

from callaudit_testkit.twilio.emulator import EmulatorHandle, serve_emulator
from callaudit_testkit.twilio.faults import FaultPlan

__all__ = ["EmulatorHandle", "FaultPlan", "serve_emulator"]
