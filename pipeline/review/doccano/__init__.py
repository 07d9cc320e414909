"""Doccano: the embedded local server (``server``) and where its login comes from (``credentials``)."""
