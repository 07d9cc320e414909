"""Extractors trained on the exported dataset: the dataset's rows as spaCy DocBins (``docbin``) and the
training run (``train``, with ``configs/``)."""
