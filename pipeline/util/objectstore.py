"""Object storage (S3 and S3-compatible servers) for the store and the export, through pyarrow."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import SettingsError, StoreUnreachableError


def is_remote(location: Any) -> bool:
    return "://" in str(location)


def remote_filesystem(uri: str):
    """pyarrow's filesystem for an object-storage URI and the path within it. Credentials, region
    and endpoint come from the environment, as for delta-rs (``AWS_ACCESS_KEY_ID``, ``AWS_REGION``,
    ``AWS_ENDPOINT_URL`` for an S3-compatible server, ``AWS_ALLOW_HTTP`` to allow plain http)."""
    import pyarrow.fs

    scheme, _, path = uri.partition("://")
    if scheme not in ("s3", "s3a"):
        raise SettingsError(f"{uri}: only s3:// object storage is supported")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    options: dict[str, Any] = {}
    if endpoint:
        endpoint_scheme, _, host = endpoint.partition("://")
        options.update(endpoint_override=host or endpoint_scheme, scheme=endpoint_scheme if host else "https")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["region"] = region
    return pyarrow.fs.S3FileSystem(**options), path


def upload_dir(local: Path, uri: str) -> None:
    """Copy a local folder's files to ``uri`` (a prefix in a bucket)."""
    import pyarrow.fs

    filesystem, path = remote_filesystem(uri)
    pyarrow.fs.copy_files(
        str(local), path, source_filesystem=pyarrow.fs.LocalFileSystem(), destination_filesystem=filesystem
    )


def remote_dir_has_files(uri: str) -> bool:
    import pyarrow.fs

    filesystem, path = remote_filesystem(uri)
    return bool(filesystem.get_file_info(pyarrow.fs.FileSelector(path, allow_not_found=True, recursive=False)))


def remove_remote_dir(uri: str) -> None:
    filesystem, path = remote_filesystem(uri)
    filesystem.delete_dir_contents(path, missing_dir_ok=True)


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@contextlib.contextmanager
def requests_to(uri: str) -> Iterator[None]:
    """Turn a failed request to object storage (delta-rs's and pyarrow's errors are OSErrors of many
    lines, with colour codes) into one line naming the location, the request and its last cause."""
    try:
        yield
    except OSError as error:
        lines = [line.strip(" ↳") for line in _COLOUR.sub("", str(error)).splitlines() if line.strip(" ↳")]
        what = lines[0] if lines else type(error).__name__
        cause = f": {lines[-1]}" if len(lines) > 1 else ""
        raise StoreUnreachableError(
            f"{uri}: {what}{cause} (check the bucket, AWS_ENDPOINT_URL and the credentials in the environment)"
        ) from None
