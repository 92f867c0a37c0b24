"""Call drivers: taxonomy, the numpy model against scikit-learn, rules, redaction, sets and discovery (no Spark)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from callaudit.errors import UserError
from callaudit.topics.classify import TopicClassifier, cached_classifier, classify_transcript_json
from callaudit.topics.discover import DiscoveryDoc, discover, proposal_yaml
from callaudit.topics.features import call_terms
from callaudit.topics.model import LinearTextModel
from callaudit.topics.sets import load_split, resolve
from callaudit.topics.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


@pytest.fixture(scope="module")
def dev(tax):
    return load_split("dev", tax.keys)


@pytest.fixture(scope="module")
def train_calls(tax):
    return load_split("train", tax.keys)


def test_taxonomy_keys_are_the_labelling_guide_keys(tax):
    """evaluation/topics/DRIVERS.md is what labellers read; the YAML is what the classifier uses."""
    guide = (ROOT / "evaluation" / "topics" / "DRIVERS.md").read_text(encoding="utf-8")
    keys = re.findall(r"^\| `([a-z_]+)` \|", guide, flags=re.M)
    assert keys == tax.keys
    assert tax.fallback == "otro"


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["drivers"][0]["rules"].append("(unclosed"), "not a valid regular expression"),
    (lambda d: d["drivers"].append(dict(d["drivers"][1])), "keys used twice"),
    (lambda d: d.update(fallback="ninguno"), "fallback"),
    (lambda d: d["classifier"].update(min_confidence=3), "min_confidence"),
])
def test_a_broken_taxonomy_is_refused_with_the_reason(tmp_path, edit, message):
    doc = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    edit(doc)
    p = tmp_path / "t.yml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_taxonomy(p)


def test_the_shipped_splits_load_with_valid_drivers_and_do_not_overlap(tax, dev, train_calls):
    test = load_split("test", tax.keys)
    assert len(train_calls) >= 100 and len(dev) == 50 and len(test) >= 100
    ids = [k.id for k in train_calls + dev + test]
    assert len(ids) == len(set(ids))
    # every driver of the taxonomy is represented in training and in the reported test split
    assert {k.driver for k in train_calls} == set(tax.keys)
    assert {k.driver for k in test} == set(tax.keys)


def test_the_shipped_model_never_saw_the_test_split(tax):
    meta = json.loads(tax.model_path.read_text(encoding="utf-8"))["meta"]
    assert meta["trained_on"] and not any("test" in s for s in meta["trained_on"]), meta["trained_on"]
    test_ids = {k.id for k in load_split("test", tax.keys)}
    assert meta["calls"] == len(load_split("train", tax.keys)) + len(load_split("dev", tax.keys))
    assert not test_ids & {k.id for k in load_split("train", tax.keys)}


def test_numpy_scoring_reproduces_scikit_learn(train_calls, dev):
    """The exported model gives scikit-learn's own probabilities (to 1e-6) on calls it was not trained on."""
    from callaudit.topics.train import redacted_terms, sklearn_proba, train

    trained = train(train_calls, c=5.0)
    classes, want = sklearn_proba(dev, train_calls, c=5.0)
    model = LinearTextModel.load_json(trained.model.to_json())
    got = np.array([model.predict_proba(redacted_terms(k)) for k in dev])
    assert model.classes == classes
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_the_shipped_classifier_beats_the_majority_baseline_on_held_out_calls(tax):
    """On the test split (never trained or tuned on): well above always saying the most frequent driver, on
    both of its parts (a regression guard; the figures themselves come from `callaudit bench --only topics`)."""
    from callaudit.topics.evaluate import evaluate_drivers

    ev = evaluate_drivers(load_split("test", tax.keys), cached_classifier())
    assert ev.accuracy > ev.majority_accuracy + 0.3, (ev.accuracy, ev.majority_accuracy)
    for src, (_n, acc, majority) in ev.by_source.items():
        assert acc > majority + 0.1, (src, acc, majority)
    assert sum(sum(r.values()) for r in ev.confusion.values()) == ev.n


def test_a_rule_shifts_the_decision_and_is_named_in_the_evidence(tax):
    model = cached_classifier().model
    turns = [("agent", "Buenas tardes, ¿en qué le ayudo?"), ("customer", "Vengo a hablar del zorbak de mi cuenta.")]
    plain = TopicClassifier(tax, model).classify(turns)
    doc = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    target = next(k for k in tax.keys if k not in (plain.driver, "otro"))
    for d in doc["drivers"]:
        if d["key"] == target:
            d["rules"] = [r"\bzorbak\b"]
    doc["classifier"]["rule_weight"] = 8
    p = DEFAULT_TAXONOMY.parent / "_test_rule_taxonomy.yml"
    try:
        p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        ruled = TopicClassifier(load_taxonomy(p), model).classify(turns)
    finally:
        p.unlink()
    assert (ruled.driver, ruled.method) == (target, "reglas+modelo")
    assert "regla: zorbak" in ruled.evidence


def test_no_speech_is_the_fallback_flagged_for_review():
    clf = cached_classifier()
    for text in (None, json.dumps({"segments": [], "error": "audio ilegible"}),
                 json.dumps({"segments": [{"speaker": "agent", "text": "  "}]})):
        r = classify_transcript_json(text, clf)
        assert (r.driver, r.method, r.needs_review, r.confidence) == ("otro", "sin_texto", True, 0.0)


def test_evidence_is_redacted_and_drawn_from_the_call():
    clf = cached_classifier()
    transcript = {"segments": [
        {"speaker": "agent", "text": "Banco Andino, buenos días, habla Sandra, ¿en qué le puedo ayudar?"},
        {"speaker": "customer", "text": "Quiero cambiar el celular registrado, el nuevo es 3104567890 y el correo "
                                         "pedro.perez@gmail.com"},
    ]}
    from callaudit.transcription.redact import redact_text

    r = classify_transcript_json(json.dumps({"segments": [
        {**s, "text": redact_text(s["text"])} for s in transcript["segments"]]}), clf)
    assert r.driver == "actualizacion_datos", r
    joined = " ".join(r.evidence)
    assert "3104567890" not in joined and "pedro" not in joined
    vocab = set(call_terms([(s["speaker"], redact_text(s["text"])) for s in transcript["segments"]]))
    assert all(e.startswith("regla: ") or e in vocab or f"c:{e}" in vocab for e in r.evidence), r.evidence


def test_train_refuses_the_test_split(tmp_path):
    from typer.testing import CliRunner

    from callaudit.cli import app

    res = CliRunner().invoke(app, ["topics", "train", "--sets", "train,test", "--out", str(tmp_path / "m.json")])
    assert res.exit_code == 2 and "never trained on" in res.output
    assert not (tmp_path / "m.json").exists()


def test_named_splits_resolve_under_evaluation():
    assert resolve("dev")[0].endswith("evaluation/es_co/dev:" + str(ROOT / "evaluation/topics/es_co_dev.yml"))
    assert resolve("some/folder") == ["some/folder"]


def test_discovery_finds_clusters_that_follow_the_drivers(train_calls):
    """On labelled calls the clusters should be purer than chance: most of a big cluster shares one driver."""
    docs = [DiscoveryDoc(k.id, k.turns, k.driver) for k in train_calls]
    found = discover(docs, k=9)
    assert len(found) == 9 and sum(c.size for c in found) == len(docs)
    purity = sum(max(c.drivers.values()) for c in found) / len(docs)
    chance = max(sum(k.driver == d for k in train_calls) for d in {k.driver for k in train_calls}) / len(docs)
    assert purity > chance + 0.15, (purity, chance)
    for c in found:
        assert c.terms and c.examples and all(e["id"] in {d.id for d in docs} for e in c.examples)
    proposal = yaml.safe_load(proposal_yaml(found, "set train"))
    assert [c["key"] for c in proposal["clusters"]] == [f"cluster_{i}" for i in range(1, 10)]


def test_discovery_needs_enough_calls():
    with pytest.raises(ValueError, match="at least 4"):
        discover([DiscoveryDoc("a", [("customer", "hola")])])


def test_classify_rows_gives_the_udf_columns():
    import pandas as pd

    from udfs.topics import DRIVER_TYPE, classify_rows

    out = classify_rows(pd.Series([None, json.dumps({"segments": [
        {"speaker": "customer", "text": "me llegó un embargo a la cuenta de ahorros por un juzgado"}]})]), None)
    assert list(out.columns) == [f.name for f in DRIVER_TYPE.fields]
    assert out.loc[0, "driver"] == "otro" and out.loc[1, "driver"] == "embargo_legal"
