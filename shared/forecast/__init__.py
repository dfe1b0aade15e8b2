"""Demand forecasting as a pure library: no database, no HTTP, no Qt.

HQ trains one global model over every (store, sku) series and exports it to ONNX;
store PCs run it offline with onnxruntime. Modules:

* ``series`` — the daily sales panel (dense arrays), from rows or a sales CSV;
* ``calendar``, ``features`` — leakage-free features for day t+h known on day t;
* ``model`` — training and the ONNX export and check (HQ: scikit-learn, skl2onnx);
* ``card`` — the model's metadata, JSON-serialisable;
* ``inference`` — ``OnnxForecaster``: onnxruntime + numpy only (what stores import);
* ``metrics``, ``backtest`` — WAPE, MASE, seasonal naive; the rolling-origin backtest;
* ``reorder`` — reorder point, safety stock and order quantity in packs;
* ``drift`` — feature PSI and error ratio combined into one drift score;
* ``synthetic`` — generated sales with known structure, for tests and benchmarks.

Nothing is imported here, so ``import shared.forecast.inference`` stays light.
"""
