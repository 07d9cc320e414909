"""The adapter to doccano-client: a logged-in client with retries, clear errors and paging. The only
module that imports doccano_client, and the only one that touches the client's private attributes
(``PRIVATE_ATTRIBUTES``; tests/test_doccano_adapter.py fails loudly if a new client moves them).

doccano-client has no retries: idempotent requests (GET, PUT, DELETE) are retried with backoff on
connection errors and 502/503/504; a POST only when the connection was refused (it never reached
the server), so a create is never sent twice. Pages are read 500 examples at a time.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import requests
from doccano_client import DoccanoClient
from doccano_client.exceptions import DoccanoAPIError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline.errors import DoccanoRequestError, DoccanoUnreachableError
from pipeline.review.doccano.credentials import ServerCredentials, check_server

PAGE_SIZE = 500
# What we reach inside doccano-client 1.2.8 for, and why: its requests session, to mount retries and send
# the requests it has no method for (bulk label types, spans); its upload repository, because its public
# upload waits for the import task by polling once a second, where a small import is done in a fifth of that
# and a push makes one import per project and batch (``wait_for_task`` polls sooner).
PRIVATE_ATTRIBUTES = ("_base_repository._session", "data_import._data_upload_repository")
_RETRY = Retry(
    total=6,
    connect=6,
    read=2,
    status=4,
    backoff_factor=0.5,
    status_forcelist=(502, 503, 504),
    allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD"}),
    raise_on_status=False,
)


class Doccano:
    """A session on one server as one user."""

    def __init__(self, creds: ServerCredentials) -> None:
        self.creds = creds
        self.client = DoccanoClient(creds.url)
        session = self.session
        # One login, as doccano-client's would do, with a clear error for a server that is down or a wrong
        # password: before the retrying adapter is mounted, so a server that is not there is said at once.
        check_server(creds, session=session)
        session.headers.update({"X-CSRFToken": session.cookies.get("csrftoken") or ""})
        adapter = HTTPAdapter(max_retries=_RETRY, pool_maxsize=8)
        session.mount("http://", adapter)
        session.mount("https://", adapter)

    @property
    def session(self) -> requests.Session:
        return self.client._base_repository._session

    def start_import(self, project_id: int, path: str, task: str) -> str:
        """Upload a JSONL file and start Doccano's import task on it; the task's id (``wait_for_task``)."""
        uploads = self.client.data_import._data_upload_repository
        with self.errors("upload documents"):
            upload_id = uploads.upload(path)
            return uploads.ingest(project_id, [upload_id], task, "JSONL", column_data="text", column_label="label")

    @property
    def api(self) -> str:
        return f"{self.creds.url.rstrip('/')}/v1"

    @contextlib.contextmanager
    def errors(self, doing: str) -> Iterator[None]:
        """Turn what requests and doccano-client raise into one coded error naming server and request."""
        try:
            yield
        except DoccanoAPIError as err:
            response = err.response
            body = (response.text or "")[:300].replace("\n", " ") if response is not None else ""
            status = response.status_code if response is not None else "?"
            url = response.request.url if response is not None and response.request is not None else self.creds.url
            raise DoccanoRequestError(f"{url}: {doing} failed with HTTP {status}: {body}") from None
        except requests.ConnectionError:
            raise DoccanoUnreachableError(
                f"{self.creds.url}: cannot connect while trying to {doing}; is the server running?"
            ) from None
        except requests.RequestException as err:
            raise DoccanoRequestError(f"{self.creds.url}: {doing} failed: {err}") from None

    def get_json(self, path: str, doing: str, **params: Any) -> Any:
        with self.errors(doing):
            response = self.session.get(f"{self.api}/{path}", params=params, timeout=60)
            raise_for_status(response)
            return response.json()

    def find_project(self, name: str) -> dict[str, Any] | None:
        for project in self.get_json("projects", "list projects", limit=1000)["results"]:
            if project["name"] == name:
                return project
        return None

    def examples(self, project_id: int, *, offset: int = 0) -> Iterator[dict[str, Any]]:
        """The project's examples in creation order from ``offset`` on, 500 a request."""
        while True:
            page = self.get_json(f"projects/{project_id}/examples", "list examples", limit=PAGE_SIZE, offset=offset)
            yield from page["results"]
            if not page.get("next"):
                return
            offset += PAGE_SIZE

    def wait_for_task(self, task_id: str, doing: str, timeout: float = 3600) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        delay = 0.2
        while True:
            status = self.get_json(f"tasks/status/{task_id}", doing)
            if status.get("ready"):
                return status
            if time.monotonic() > deadline:
                raise DoccanoRequestError(f"{self.creds.url}: {doing} did not finish within {timeout:.0f} s")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)  # at most a second, as doccano-client's own wait: a done task is seen soon


def raise_for_status(response: requests.Response) -> None:
    """doccano-client's error, with the server's answer, for ``Doccano.errors`` to word."""
    if response.status_code >= 400:
        raise DoccanoAPIError(f"HTTP {response.status_code}", response)
