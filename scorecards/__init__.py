"""The versioned QA monitoring forms (YAML), shipped inside the wheel so an installed callaudit finds its default
scorecard (callaudit/scoring/scorecard.py reads them from here)."""
