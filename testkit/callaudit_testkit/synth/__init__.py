"""The synthetic call centre that seeds the local Twilio emulator (``callaudit synth``).

>>> from callaudit_testkit.synth import generate_call_centre      # doctest: +SKIP
>>> summary = generate_call_centre("lakehouse/twilio_data", calls=50, days=7, seed=42)
"""

from callaudit_testkit.synth.generator import SynthSummary, generate_call_centre

__all__ = ["SynthSummary", "generate_call_centre"]
