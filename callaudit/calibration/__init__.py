"""The pure core of human review: the review record contract, chance-corrected agreement and calibration.

No Spark, no files, no web: :mod:`callaudit.transforms.reviews` (the pipeline) and :mod:`callaudit.review` (import,
the review page, sampling, re-scoring) both build on it, so neither depends on the other's layer.
"""
