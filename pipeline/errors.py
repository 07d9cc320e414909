"""Every error the library raises, each with a code a user can search for.

Library code raises these; only the CLI prints them and exits. Each class also subclasses the
matching built-in so callers can catch it the usual way (as Hugging Face datasets does). They pickle
as themselves, so an error raised in a worker process reaches the user unchanged: an exception is
unpickled as ``cls(*args)``, so ``args`` are always the constructor's arguments.
"""

from __future__ import annotations

from pathlib import Path


class NewscorpusError(Exception):
    """Base class. ``code`` is stable across releases; the message is one line for the user."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InputError(NewscorpusError, ValueError):
    """An input file (or one line of it) that cannot be ingested."""

    code = "E001"

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.args = (path, message, line)
        self.path = Path(path)
        self.line = line
        self.reason = message


class InputNotFoundError(InputError, FileNotFoundError):
    code = "E002"


class SettingsError(NewscorpusError, ValueError):
    code = "E010"


class WorkspaceNotFoundError(NewscorpusError, FileNotFoundError):
    code = "E011"


class WorkspaceExistsError(NewscorpusError, FileExistsError):
    code = "E012"


class StoreLockedError(NewscorpusError, BlockingIOError):
    code = "E020"


class StoreCorruptError(NewscorpusError, ValueError):
    code = "E021"


class StoreConflictError(NewscorpusError, RuntimeError):
    """Another writer committed to the same table first (stores on object storage have no lock file)."""

    code = "E022"


class StoreUnreachableError(NewscorpusError, ConnectionError):
    """A store on object storage that cannot be reached (endpoint, credentials, bucket)."""

    code = "E023"


class ModelNotFoundError(NewscorpusError, LookupError):
    code = "E030"


class DocumentNotFoundError(NewscorpusError, KeyError):
    code = "E031"

    def __str__(self) -> str:  # KeyError would repr() the message
        return f"[{self.code}] {self.message}"


class GoldFileError(NewscorpusError, ValueError):
    """A gold file (or one line of it) that cannot be scored against, or predictions that do not line up
    with it; ``path`` and ``line`` are those of the gold document concerned, when known."""

    code = "E040"

    def __init__(self, path: Path | str | None, message: str, line: int | None = None) -> None:
        where = "gold" if path is None else str(path)
        where = f"{where}:{line}" if line is not None else where
        super().__init__(f"{where}: {message}")
        self.args = (path, message, line)
        self.path = None if path is None else Path(path)
        self.line = line
        self.reason = message


class DoccanoServerError(NewscorpusError, RuntimeError):
    """The embedded Doccano server could not be installed, started or stopped."""

    code = "E050"


class DoccanoInstallError(DoccanoServerError):
    code = "E051"


class PortInUseError(DoccanoServerError, OSError):
    code = "E052"


class CredentialsError(NewscorpusError, ValueError):
    """No usable Doccano credentials: partial environment variables, or no credentials file."""

    code = "E053"


class InvalidUserNameError(NewscorpusError, ValueError):
    """A user name Doccano would refuse: over 150 characters, or characters outside its ASCII set."""

    code = "E064"


class InsecureCredentialsError(CredentialsError, PermissionError):
    code = "E054"


class DoccanoUnreachableError(NewscorpusError, ConnectionError):
    code = "E055"


class DoccanoAuthError(NewscorpusError, PermissionError):
    code = "E056"


class DoccanoRequestError(NewscorpusError, RuntimeError):
    """A request to the Doccano server failed; the message names the server, the request and its answer."""

    code = "E057"


class DoccanoImportError(NewscorpusError, RuntimeError):
    """Doccano's import task reported errors for some documents."""

    code = "E058"


class NothingToExportError(NewscorpusError, LookupError):
    """No document qualifies for the dataset (none reviewed, and unreviewed ones not asked for)."""

    code = "E060"


class ExportExistsError(NewscorpusError, FileExistsError):
    """The export's output folder exists and ``--overwrite`` was not given (or it is not an export)."""

    code = "E061"


class UnexportableDocumentError(NewscorpusError, ValueError):
    """One document cannot go into the dataset as it stands; it is reported and left out, the export goes on."""

    code = "E062"

    def __init__(self, doc_id: str, message: str) -> None:
        super().__init__(f"{doc_id}: {message}; document left out of the export")
        self.args = (doc_id, message)
        self.doc_id = doc_id
        self.reason = message


class SpanAlignmentError(UnexportableDocumentError):
    """A span does not start and end on token boundaries (the text or tokens changed, or a bad review)."""

    code = "E063"


class TrainingDataError(NewscorpusError, ValueError):
    """The dataset to train on is missing, or a split it needs is empty."""

    code = "E070"


class ModelExistsError(NewscorpusError, FileExistsError):
    """The training output folder exists and ``--overwrite`` was not given."""

    code = "E071"


class TrainingError(NewscorpusError, RuntimeError):
    """spaCy could not train with this config or base model."""

    code = "E072"


class RayUnavailableError(NewscorpusError, RuntimeError):
    """The Ray engine was asked for and Ray is not installed, or its cluster cannot be started or reached."""

    code = "E080"
