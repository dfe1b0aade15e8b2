"""Invoice reading: an image in, a structured supplier document out (no Qt, no database).

The pipeline (``pipeline.read_invoice``) finds the page (``outline``), straightens and
evens it out (``document``), reads the AFIP QR code or the older CAE barcode (``codes``,
``afip_qr``), runs Tesseract keeping word boxes (``tesseract``), lays the words out into
header, line table and totals and parses Argentine formats (``fields`` with ``numbering``
and ``names`` for the header, ``totals``, ``lines``, ``numbers_ar``), then
reconciles the figures into per-field confidences. ``model`` holds the values that cross
those modules; ``synthetic`` draws realistic invoice photos with their truth for tests,
benchmarks and the demo.
"""
