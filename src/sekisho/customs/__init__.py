"""Customs analytics: rank declarations by risk, resolve trader networks, spot trade surges.

Modules: load (mappings, validation), features (time-respecting), model (LightGBM / isolation
forest, reasons), evaluate (metrics at inspection rates), graph (entity resolution, clusters),
flows (surge detection), report (HTML), synth (synthetic data with planted networks).
pandas, scikit-learn, LightGBM, networkx and matplotlib (the [customs] extra) are imported only
inside this package, so `import sekisho` works without them.
"""
