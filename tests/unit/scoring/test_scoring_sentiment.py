"""The lexicon engine (negation, intensity, contrast) and the Azure adapter parsed offline."""

from __future__ import annotations

import json

import pytest

from callaudit.errors import UserError
from callaudit.scoring.sentiment import AzureSentiment, LexiconSentiment


@pytest.fixture(scope="module")
def lex():
    return LexiconSentiment.load()


def one(lex, text):
    return lex.score_texts([text])[0]


@pytest.mark.parametrize(
    "positive, negative",
    [
        ("estoy contento", "no estoy contento"),
        ("me ayudó", "nunca me ayudó"),
        ("sin problema", "tengo un problema"),
        ("muy amable", "poco amable"),
        ("la señorita fue muy amable", "esto es un pésimo servicio"),
    ],
)
def test_polarity_pairs(lex, positive, negative):
    assert one(lex, positive) > 0 > one(lex, negative)


def test_negation_does_not_cross_punctuation(lex):
    assert one(lex, "No, estoy contento") > 0
    assert one(lex, "No estoy contento") < 0


def test_negation_window_is_short(lex):
    # "no" flips words up to 3 tokens later, not the end of a long sentence
    assert one(lex, "no sé qué pasó con la cuenta pero la asesora fue excelente") > 0


def test_intensifiers_and_diminishers_scale(lex):
    assert one(lex, "estoy muy molesto") < one(lex, "estoy molesto") < one(lex, "estoy un poco molesto") < 0


def test_contrast_weights_what_comes_after_pero(lex):
    assert one(lex, "muy amable, pero sigo molesto con el cobro") < 0
    assert one(lex, "sigo molesto con el cobro, pero muy amable") > 0


def test_greetings_and_colombian_courtesy_are_neutral(lex):
    assert one(lex, "Buenos días") == 0.0
    assert one(lex, "Qué pena con usted, ¿me repite?") == 0.0


def test_asr_noise_accents_and_case(lex):
    assert one(lex, "PESIMO servicio") == one(lex, "pésimo servicio") < -0.5


def test_scores_are_bounded_and_none_for_silence(lex):
    angry = " ".join(["pésimo horrible estafa"] * 30)
    assert -1.0 <= one(lex, angry) < -0.99
    assert lex.score_texts(["", "   "]) == [None, None]


def test_explain_lists_the_words_that_carried_sentiment(lex):
    words = dict(lex.explain("no estoy contento, qué rabia. Buenos días"))
    assert set(words) == {"contento", "que rabia"}
    assert words["contento"] == pytest.approx(2 * -0.75)  # flipped and softened by the negation
    assert words["que rabia"] < 0


def test_bad_lexicon_fails_readably(tmp_path):
    bad = tmp_path / "lex.yml"
    bad.write_text("version: x\nwords:\n  bueno: mucho\nnegatros: [no]\n", encoding="utf-8")
    with pytest.raises(UserError) as exc:
        LexiconSentiment.load(bad)
    assert f"{bad}:3: words.bueno: value must be a number" in str(exc.value)
    assert f"{bad}:4: unknown key 'negatros'" in str(exc.value)


# ---- Azure AI Language, parsed by the real SDK from a recorded response of the documented shape ----------
RECORDED = {
    "kind": "SentimentAnalysisResults",
    "results": {
        "documents": [
            {"id": "0", "sentiment": "negative",
             "confidenceScores": {"positive": 0.02, "neutral": 0.08, "negative": 0.90},
             "sentences": [{"sentiment": "negative", "confidenceScores": {"positive": 0.02, "neutral": 0.08,
                                                                          "negative": 0.90},
                            "offset": 0, "length": 26, "text": "Esto es un pésimo servicio"}],
             "warnings": []},
            {"id": "1", "sentiment": "positive",
             "confidenceScores": {"positive": 0.95, "neutral": 0.04, "negative": 0.01},
             "sentences": [], "warnings": []},
        ],
        "errors": [{"id": "2", "error": {"code": "InvalidArgument", "message": "Invalid document"}}],
        "modelVersion": "2022-11-01",
    },
}


def recorded_client(body):
    import requests
    from azure.ai.textanalytics import TextAnalyticsClient
    from azure.core.credentials import AzureKeyCredential
    from azure.core.pipeline.transport import HttpTransport
    from azure.core.pipeline.transport._requests_basic import RequestsTransportResponse

    class Recorded(HttpTransport):
        def __init__(self):
            self.sent = []

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return None

        def open(self):
            return None

        def close(self):
            return None

        def send(self, request, **kwargs):
            self.sent.append(request)
            raw = requests.Response()
            raw.status_code = 200
            raw._content = json.dumps(body).encode()
            raw.headers["Content-Type"] = "application/json"
            return RequestsTransportResponse(request, raw)

    transport = Recorded()
    client = TextAnalyticsClient("https://example.invalid/", AzureKeyCredential("not-a-key"), transport=transport)
    return client, transport


def test_azure_adapter_parses_documented_response():
    client, transport = recorded_client(RECORDED)
    engine = AzureSentiment(client=client)
    scores = engine.score_texts(["Esto es un pésimo servicio", "", "Excelente atención", "???"])
    assert scores == [pytest.approx(-0.88), None, pytest.approx(0.94), None]  # empty text never sent
    body = json.loads(transport.sent[0].body)
    assert [d["language"] for d in body["analysisInput"]["documents"]] == ["es", "es", "es"]
    assert [d["text"] for d in body["analysisInput"]["documents"]][0] == "Esto es un pésimo servicio"


def test_azure_adapter_batches_by_ten_and_truncates():
    docs = [{"id": str(i), "sentiment": "neutral", "confidenceScores": {"positive": 0.1, "neutral": 0.8,
             "negative": 0.1}, "sentences": [], "warnings": []} for i in range(10)]
    client, transport = recorded_client({"kind": "SentimentAnalysisResults",
                                         "results": {"documents": docs, "errors": [], "modelVersion": "x"}})
    engine = AzureSentiment(client=client)
    with pytest.raises(ValueError):  # the second request gets 10 answers for 2 documents: zip(strict) catches it
        engine.score_texts(["hola " * 2000] + ["bien"] * 11)
    first = json.loads(transport.sent[0].body)["analysisInput"]["documents"]
    assert len(first) == 10 and len(first[0]["text"]) == AzureSentiment.MAX_CHARS


def test_azure_needs_credentials():
    with pytest.raises(UserError, match="endpoint and a key"):
        AzureSentiment()
