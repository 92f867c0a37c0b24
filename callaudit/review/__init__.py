"""Human review and calibration: analysts' verdicts as data, agreement with the auditor, re-scoring.

- :mod:`records`   the review CSV contract (columns, booleans, dates, categories) and its validation;
- :mod:`landing`   the one way reviews enter the lakehouse: a normalised CSV landed atomically in
  ``landing/reviews/`` (the pipeline streams it into ``bronze_qa_reviews`` -> ``qa_reviews``);
- :mod:`agreement` Cohen's kappa, weighted kappa, confusion counts and a seeded bootstrap interval (numpy only);
- :mod:`calibrate` auditor-vs-analyst and analyst-vs-analyst agreement per criterion, version and week;
- :mod:`sample`    stratified, reproducible review samples (by agent and category) with a recorded draw;
- :mod:`rescore`   re-audit stored transcripts with another scorecard into a side table (lineage kept);
- :mod:`server`    the review page (``callaudit review serve``).

Everything here except :mod:`rescore` and the table readers is pure Python: testable without a JVM.
"""
