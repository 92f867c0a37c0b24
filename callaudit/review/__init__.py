"""Human review and calibration: analysts' verdicts as data, agreement with the auditor, re-scoring.

The pure core (the review CSV contract, kappa, calibration) is :mod:`callaudit.calibration`, shared with the
pipeline's transforms; this package is the analysts' side of it:

- :mod:`landing`   the one way reviews enter the lakehouse: a normalised CSV landed atomically in
  ``landing/reviews/`` (the pipeline streams it into ``bronze_qa_reviews`` -> ``qa_reviews``);
- :mod:`sample`    stratified, reproducible review samples (by agent and category) with a recorded draw;
- :mod:`rescore`   re-audit stored transcripts with another scorecard into a side table (lineage kept);
- :mod:`server`    the review page (``callaudit review serve``).

:mod:`landing` and :mod:`sample` are pure Python; :mod:`rescore` and the table readers need Spark.
"""
