"""The Hugging Face dataset: its features (``schema``), tags, splits, the Arrow writer, the card, and
``export``, which puts them together."""
