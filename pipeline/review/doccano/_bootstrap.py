"""Run by the Doccano server's own Python (in server.server_venv()), never imported by newscorpus.

Applies the database migrations, creates Doccano's roles, and creates the admin account or resets
its password. The username is the one argument; the password comes on stdin, so that it is never
on a command line. The settings come from the environment that ``server.py`` sets.
"""

import os
import sys

sys.path.insert(0, os.getcwd())  # started in Doccano's backend folder, where its ``config`` lives

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

username = sys.argv[1]
password = sys.stdin.readline().rstrip("\n")
if not password:
    sys.exit("no admin password on stdin")

call_command("migrate", interactive=False, verbosity=1)
call_command("create_roles")
user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@localhost"})
user.is_staff = user.is_superuser = user.is_active = True
user.set_password(password)
user.save()
print(f"admin account '{username}' {'created' if created else 'updated'}")
