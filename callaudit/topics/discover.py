"""Unsupervised discovery: cluster calls by what the customer says and propose drivers for a lead to name.

TF-IDF over the customer's words (unigrams + bigrams, function words out), k-means on the l2-normalised rows
(cosine), k chosen by silhouette unless given. Each proposed cluster shows its top terms (the centroid's
heaviest), its size, the drivers the classifier gave its calls (a cluster that is 90 % ``cobros`` is a known
driver; one spread over ``otro`` and low confidence is a new one) and the calls closest to its centre as
examples. The output is a YAML a lead edits (name, keep or drop) and merges into the taxonomy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from callaudit.topics.features import Turn, words


@dataclass
class DiscoveryDoc:
    id: str
    turns: list[Turn]
    driver: str | None = None  # what the classifier said, when known
    needs_review: bool = False  # the classifier was not confident


@dataclass
class Cluster:
    index: int
    size: int
    terms: list[str]
    drivers: dict[str, int]
    examples: list[dict] = field(default_factory=list)  # id, says (the customer's first words)
    cohesion: float = 0.0  # mean cosine similarity of its calls to the centre


# conversational words of any call: greetings, forms of address, fillers, pleasantries
SMALL_TALK = frozenset("""
alo hola buenos buenas dias dia tardes tarde noches noche senorita joven mija mijo mi amor vida sumerce hermano
ay aja uy pues vea mire oiga listo bueno claro gracias muchas favor chao adios hasta luego dios bendiga verdad
si sera cierto exacto perfecto dale hagale habla ella el quien mama papa
""".split())  # noqa: SIM905


def _customer_terms(turns: list[Turn]) -> list[str]:
    out: list[str] = []
    for s, t in turns:
        if s in ("customer", "unknown"):
            ws = [w for w in words(t) if w not in SMALL_TALK]
            out.extend(ws + [f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)])
    return out


def _says(turns: list[Turn], limit: int = 160) -> str:
    text = " ".join(t.strip() for s, t in turns if s in ("customer", "unknown"))
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def discover(docs: list[DiscoveryDoc], k: int | None = None, *, seed: int = 7, top: int = 8,
             examples: int = 3) -> list[Cluster]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score

    usable = [d for d in docs if _customer_terms(d.turns)]
    if len(usable) < 4:
        raise ValueError(f"discovery needs at least 4 calls with customer speech (got {len(usable)})")
    # words most calls share (greetings, "aló", "señorita") say nothing about why one calls: max_df drops them
    vec = TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True, min_df=2 if len(usable) >= 30 else 1,
                          max_df=0.2 if len(usable) >= 30 else 1.0)
    x = vec.fit_transform([_customer_terms(d.turns) for d in usable])
    if x.shape[1] == 0:
        raise ValueError("the calls share no words to cluster on")
    max_k = max(2, min(12, len(usable) // 3))
    if k is None:
        best = (-2.0, 2)
        for cand in range(2, max_k + 1):
            labels = KMeans(n_clusters=cand, n_init=10, random_state=seed).fit_predict(x)
            if len(set(labels)) < 2:
                continue
            s = float(silhouette_score(x, labels, metric="cosine"))
            if s > best[0] + 1e-9:
                best = (s, cand)
        k = best[1]
    k = max(2, min(int(k), len(usable)))
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x)
    terms = np.asarray(vec.get_feature_names_out())
    out: list[Cluster] = []
    for c in range(k):
        members = [i for i, lab in enumerate(km.labels_) if lab == c]
        if not members:
            continue
        centre = km.cluster_centers_[c]
        norm = np.linalg.norm(centre) or 1.0
        sims = np.asarray(x[members] @ (centre / norm)).ravel()
        order = [members[i] for i in np.argsort(-sims)]
        out.append(Cluster(
            index=c, size=len(members),
            terms=[str(t) for t in terms[np.argsort(-centre)[:top]] if centre[vec.vocabulary_[t]] > 0],
            drivers=dict(Counter(usable[i].driver or "?" for i in members).most_common()),
            examples=[{"id": usable[i].id, "says": _says(usable[i].turns)} for i in order[:examples]],
            cohesion=round(float(sims.mean()), 3)))
    out.sort(key=lambda cl: -cl.size)
    for i, cl in enumerate(out, start=1):
        cl.index = i
    return out


def proposal_yaml(clusters: list[Cluster], source: str) -> str:
    """The clusters as a YAML a lead names and merges into the taxonomy (``drivers:``)."""
    import yaml

    doc = {
        "source": source,
        "how_to_use": "name each cluster worth a driver (key, label), drop the rest, then copy it into "
                      "callaudit/topics/taxonomy_es.yml, label a few calls and retrain (callaudit topics train)",
        "clusters": [{"key": f"cluster_{c.index}", "label": "", "size": c.size, "cohesion": c.cohesion,
                      "top_terms": c.terms, "classified_as": c.drivers, "examples": c.examples} for c in clusters],
    }
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)
