import pytest

from pipeline.corpus.ingest import ingest
from pipeline.corpus.record import Document
from pipeline.nlp import tokenization
from pipeline.nlp.tokenization import STAGE, chunk_offsets, load_tokenizer, tokenize, tokenize_documents
from pipeline.settings import Settings


@pytest.fixture(scope="module")
def nlp():
    return load_tokenizer(Settings().model.name)


def test_tokens_and_sentences_are_offsets_into_the_text(workspace, store, seed_copy):
    ingest(store, [seed_copy], workspace.settings, progress=False)
    report = tokenize(store, workspace.settings, progress=False)
    assert report.processed == 1
    document = next(store.iter_documents([STAGE]))
    words = [document.text[s:e] for s, e in document.tokens]
    assert words[:6] == ["Valle", "de", "los", "Ríos", "Apurímac", ","]
    assert "6,300" in words and "kilograms" in words and "$" in words and "76" in words
    assert all(not w.isspace() or "\n" in w for w in words)
    sentences = [document.text[s:e].strip() for s, e in document.sentences]
    assert (
        sentences[1]
        == "Sixteen people were murdered during the San Miguel del Ene attack in May 2021, making it one of the worst "
        "atrocities in Peru’s recent history."
    )
    assert document.outputs[STAGE].version == tokenization.VERSION
    assert "EFE" in words  # the dateline ".-" is split off "(EFE).-"


def test_tokenize_skips_what_is_done_and_redoes_on_new_settings(workspace, store, seed_copy):
    ingest(store, [seed_copy], workspace.settings, progress=False)
    assert tokenize(store, workspace.settings, progress=False).processed == 1
    again = tokenize(store, workspace.settings, progress=False)
    assert (again.processed, again.skipped) == (0, 1)
    changed = workspace.settings.copy(deep=True)
    changed.tokenize.chunk_chars = 1000
    assert tokenize(store, changed, progress=False).processed == 1


def test_chunked_tokenization_matches_whole_text(nlp, seed_text):
    text = "\n\n".join([seed_text] * 5)
    whole = next(tokenize_documents(nlp, iter([Document("a", text)]), chunk_chars=10**9))[1]
    chunked = next(tokenize_documents(nlp, iter([Document("a", text)]), chunk_chars=2000))[1]
    assert len(chunk_offsets(text, 2000)) > 5
    assert whole["tokens"].tolist() == chunked["tokens"].tolist()


def test_documents_keep_their_own_tokens_in_a_batch(nlp):
    documents = [Document(str(n), f"Story {n} has {n} words.") for n in range(100)]
    for document, data in tokenize_documents(nlp, iter(documents), chunk_chars=1000, batch_size=7):
        assert document.text[data["tokens"][1][0] : data["tokens"][1][1]] == document.id


def test_sentence_boundaries_are_those_of_spacys_sentencizer(nlp, seed_text, article_variants):
    import spacy

    reference = spacy.blank("en")
    reference.tokenizer = nlp.tokenizer
    reference.add_pipe("sentencizer")
    texts = [
        seed_text,
        "No final stop",
        "“Quoted.” Next one!) And (this?) ... end",
        "\n\nLeading. Space.",
        *article_variants[:50],
    ]
    for text in texts:
        expected = [[s.start_char, s.end_char] for s in reference(text).sents]
        _, data = next(tokenize_documents(nlp, iter([Document("x", text)]), chunk_chars=10**9))
        assert data["sentences"].tolist() == expected, text[:40]


def test_stored_token_texts_are_the_token_slices_whatever_the_script(nlp):
    """The tokenize stage stores the token texts joined (what the export reads instead of slicing);
    they must be exactly the slices, for any characters, astral planes and paragraph breaks included."""
    text = "Café «Ñandú» 🇵🇪 sold 5€ of 𝔠𝔬𝔠𝔞.\n\nEnd — naïve résumé."
    document = Document("x", text)
    [(_, data)] = list(tokenize_documents(nlp, iter([document]), chunk_chars=1000))
    words = data["words"].split(tokenization.WORD_SEPARATOR)
    assert words == [text[start:end] for start, end in data["tokens"].tolist()]
    assert any(word.isspace() for word in words) and any("𝔠" in word for word in words) and "🇵" in words
    [(_, empty)] = list(tokenize_documents(nlp, iter([Document("y", "")]), chunk_chars=1000))
    assert empty["words"] == "" and len(empty["tokens"]) == 0
