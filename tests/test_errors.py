"""The library's errors: coded one-line messages that survive a trip through a worker process."""

import inspect
import pickle

import pytest

from pipeline import errors

ARGUMENTS = {"path": "corpus/feed.jsonl", "message": "not JSON", "line": 7, "doc_id": "efe-0001"}
CODED = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.NewscorpusError) and cls is not errors.NewscorpusError
]


@pytest.mark.parametrize("error_class", CODED, ids=lambda cls: cls.__name__)
def test_every_error_pickles_as_itself(error_class):
    parameters = list(inspect.signature(error_class.__init__).parameters)[1:]
    error = error_class(*[ARGUMENTS[name] for name in parameters])
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is error_class
    assert str(copy) == str(error) and str(copy).startswith(f"[{error_class.code}] ")
    assert vars(copy) == vars(error)


def test_codes_are_unique():
    codes = [cls.code for cls in CODED]
    assert len(codes) == len(set(codes))


def test_an_input_error_names_the_file_and_line():
    assert str(errors.InputError("corpus/feed.jsonl", "not JSON", line=7)) == "[E001] corpus/feed.jsonl:7: not JSON"
