"""Language processing: the tokenize stage (``tokenization``) and the pre-annotate stage (``preannotate``),
one spaCy pipeline whose components find entities (``entities``), numeric claims (``claims``), text in
capitals (``casing``) and table rows (``tables``)."""
