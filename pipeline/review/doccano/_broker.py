"""Run by the Doccano server's own Python (in server.server_venv()), never imported by newscorpus.

Creates the task broker's tables and its default queue in the SQLite broker before the web server
and the task worker start: each would otherwise create them at first use, and when both do at once
one of them dies of "UNIQUE constraint failed: kombu_queue.name". The broker URL comes from the
environment that ``server.py`` sets.
"""

import os

from kombu import Connection

with Connection(os.environ["CELERY_BROKER_URL"]) as connection:
    connection.default_channel.queue_declare(os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery"))
