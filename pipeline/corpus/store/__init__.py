"""The corpus store: the only package that reads or writes the store's tables (see ``corpus``)."""

from pipeline.corpus.store.corpus import CorpusStore, IndexEntry, LocatedDocument, StageEntry

__all__ = ["CorpusStore", "IndexEntry", "LocatedDocument", "StageEntry"]
