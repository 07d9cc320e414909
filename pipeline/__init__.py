"""newscorpus: news articles in, a reviewed training-ready dataset of entities and numeric claims out."""

__version__ = "0.1.0"
