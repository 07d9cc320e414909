"""The corpus: articles read (``readers``), ingested with stable ids and near-duplicate groups (``ingest``,
``neardup``) into the store (``store``), as the record every stage passes on (``record.Document``)."""
