"""Human review: the order of review (``queue``), the Doccano server and sync (``doccano``), agreement and
acceptance (``agreement``) and the report on them (``report``, ``report_html``); ``render`` and ``palette``
show a document's spans."""
