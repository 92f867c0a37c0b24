"""Great Expectations validation of the gold tables (suites as data in ``expectations/gx/``)."""

from callaudit.quality.suites import SuiteSpec, load_specs
from callaudit.quality.validate import ValidationReport, run_validation, validate_frames

__all__ = ["SuiteSpec", "ValidationReport", "load_specs", "run_validation", "validate_frames"]
