"""Post-call surveys and predicted satisfaction: the survey CSV contract and landing (:mod:`.records`,
:mod:`.landing`), and the pure-Python model that predicts a call's survey score from its audit (:mod:`.model`).

No Spark here: :mod:`callaudit.transforms.satisfaction` (the pipeline) and ``callaudit surveys import`` /
``callaudit satisfaction evaluate`` (:mod:`.cli`) build on it.
"""
