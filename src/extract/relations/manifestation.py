"""``disease_manifestation`` classifier: distant supervision from HPO + precise patterns.

DISEASE -> DISEASE/phenotype pairs of one sentence (head = the disease, tail = its sign,
symptom, finding, manifestation or complication; see ``data/gold/README.md``).

Training (:func:`train_manifestation`) reads the *training* splits of BC5CDR, NCBI disease and
BioRED (gold mentions; no relation labels used) and labels every ordered disease pair of a
sentence by two labelling sources:

* **HPO knowledge base** — the head maps to OMIM/ORPHA diseases (concept id, CTD/DOID
  cross-references, or its name), the tail maps to HPO phenotype terms (its name or its MeSH
  concept's CTD synonyms), and one of the disease's annotated phenotypes is the tail term or a
  descendant of it (``phenotype.hpoa``, aspect P, not ``NOT``);
* **precise patterns** (:data:`PRECISE_TAIL_FIRST`, :data:`PRECISE_HEAD_FIRST`, "In H, T
  occurs"): "T is a feature of H", "H presenting with T", "T in patients with H", ...

Every other pair is a negative.  A class-balanced logistic regression over hashed pair features
(:func:`pair_features`: words between, trigger cues, order, distance, generic mentions, rule
decision, HPO lexicon flags) learns from these labels; its probability is the relation score.
The decision threshold maximises out-of-fold F1 against the distant labels (PMID folds).

The artifact (``manifestation.joblib``) holds the coefficients, the threshold and the HPO
phenotype lexicon (normalised names/synonyms, for the ``tail_hpo`` feature) — no KB pairs, so
the model scores text, not memorised disease/phenotype pairs.
"""

from __future__ import annotations

import gzip
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from extract.corpora.pubtator import PubtatorDocument, read_pubtator, unique_documents
from extract.relations.candidates import (
    coordination_groups,
    disease_pairs,
    is_pp_object,
    pair_context,
    sentence_index_of,
    split_sentences,
)
from extract.relations.documents import mesh_id
from extract.relations.rules import (
    MANIF_HEAD_FIRST,
    MANIF_IN_HEAD,
    MANIF_SUBJECT_VERB,
    MANIF_TAIL_FIRST,
    NEGATION,
    _drug_event,
    _is_hypernym_pair,
    manifestation_signal,
)
from extract.relations.types import (
    DISEASE_MANIFESTATION,
    DocumentView,
    EntityView,
    RelationCandidate,
    SentenceView,
)

log = logging.getLogger(__name__)

N_FEATURES = 2**16
ARTIFACT = "manifestation.joblib"
MAX_BETWEEN_TOKENS = 25

# ----------------------------------------------------------------------------- patterns
_POP = r"(?:patients?|child(?:ren)?|adults?|subjects?|cases?|individuals?|families|wom[ae]n|m[ae]n|infants?|mice|rats|those|people)"
#: Tail first: "T is a (common) feature of H", "T occurs in H", "T in patients with H", "T due to H".
PRECISE_TAIL_FIRST = re.compile(
    r"^\s*,?\s*(?:(?:is|are|was|were|remains?|represents?|as|being|be)\s+)?(?:(?:a|an|the|one|of)\s+)*"
    r"(?:(?:common|major|main|frequent|prominent|typical|characteristic|cardinal|classic|well[- ]known|"
    r"recogni[sz]ed|rare|serious|severe|important|late|early|known|clinical|most|disabling|difficult|"
    r"potentially|primary|presenting|frequently|usually|often|recurrent|\w+ly)\s+)*"
    r"(?:feature|manifestation|sign|symptom|complication|finding|hallmark|sequela|sequelae|consequence|"
    r"presentation|characteristic|component)s?\s+(?:of|in)\s+(?:(?:the|a|an|this|their)\s+)?"
    r"(?:(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|of|having)\s+)?(?:[\w-]+\s+){0,2}$"
    r"|^\s*,?\s*(?:(?:is|are|was|were|has been|have been|may|can|often|commonly|frequently|also|usually|especially|"
    r"typically)\s+){0,3}(?:occurs?|occurred|occurring|seen|observed|found|recogni[sz]ed|encountered|reported|"
    r"described|present|common|frequent|prevalent|develops?|developed|noted|documented)\s+"
    r"(?:(?:[\w-]+\s+){0,3})?(?:in|among)\s+(?:(?:the|a|an|this|their)\s+)?"
    r"(?:(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|of|having)\s+)?(?:[\w-]+\s+){0,2}$"
    r"|^\s*,?\s*(?:in|among)\s+(?:(?:a|an|the|this|their|\d+)\s+)?(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|having)\s+"
    r"(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,1}$"
    r"|^\s*,?\s*(?:(?:is|are|was|were|may be|can be)\s+)?(?:secondary to|due to|caused by|resulting from|"
    r"complicating|as a (?:complication|consequence|manifestation|result) of)\s+(?:(?:the|a|an|underlying)\s+)?$",
    re.I,
)
#: Head first: "H presenting with T", "H characterised by T", "H complicated by T", "H with T".
PRECISE_HEAD_FIRST = re.compile(
    r"^\s*,?\s*(?:(?:which|that|who|and|is|are|was|were|often|typically|usually|may|can|commonly|frequently|"
    r"also|clinically|\w+ly)\s+){0,3}"
    r"(?:present(?:ing|ed|s)?|manifest(?:ing|ed|s)?|characteri[sz]ed|complicated|accompanied|associated)\s+"
    r"(?:(?:[\w-]+\s+){0,3})?(?:with|by|as)\s+(?:(?:a|an|the|severe|marked|prominent|progressive|"
    r"recurrent|acute|chronic|early|late|\w+ly)\s+){0,3}$"
    r"|^\s*,?\s*(?:(?:which|that|often|typically|may|can|could|usually|also|had|has|have|frequently)\s+){0,2}"
    r"(?:leads?|led|leading\s+to|cause[sd]?|causing|results?\s+in|resulted\s+in|progress(?:es|ed)?\s+to)\s+"
    r"(?:(?:a|an|the|severe|marked|progressive|acute|chronic)\s+)*$"
    r"|^\s*(?:symptoms?|signs?|manifestations?|features?|complications?)\s*(?:\(|,|:|such as|including|like)?\s*"
    r"(?:(?:a|an|the)\s+)?$"
    r"|^\s*,?\s*with\s+(?:(?:a|an|the|severe|marked|prominent|progressive|associated|concomitant|"
    r"secondary|recurrent|acute|chronic)\s+)*$",
    re.I,
)
#: Tail is the sentence subject, the trigger binds the head at the end of the between-text:
#: "Calcinosis cutis ... is especially recognised in dermatomyositis".
SUBJECT_TAIL_TRIGGER = re.compile(
    r"\b(?:seen|recogni[sz]ed|observed|occurs?|occurring|found|common|frequent|described|reported|"
    r"encountered|features?|manifestations?|signs?|symptoms?|complications?|hallmarks?)\s+(?:[\w-]+\s+){0,1}"
    r"(?:in|among|of)\s+(?:(?:the|a|an|this)\s+)?(?:(?:[\w-]+\s+){0,2}" + _POP + r"\s+(?:with|having)\s+)?$",
    re.I,
)
#: The pair lies inside a parenthesised component list "H (T1, T2, T3)".
_LIST_OPEN = re.compile(r"^\s*\(\s*(?:[\w-]+\s+){0,2}$")
GENERIC = frozenset(
    "disease diseases disorder disorders syndrome syndromes condition conditions illness illnesses "
    "toxicity toxicities complication complications symptoms symptom abnormality abnormalities "
    "defect defects deficiency lesion lesions injury damage dysfunction tumor tumors tumour tumours "
    "cancer cancers overdose".split()
)
_SUFFIXES = ("itis", "emia", "aemia", "osis", "oma", "pathy", "plasia", "algia", "uria", "penia", "megaly", "syndrome", "disease", "failure", "deficiency")


def norm(text: str) -> str:
    """Lower-case, alphanumeric words, crude singular ('seizures' -> 'seizure')."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")) else w for w in words)


def _tokens(text: str) -> list[str]:
    return ["<num>" if t.isdigit() else t.lower() for t in re.findall(r"[A-Za-z]+|\d+|[^\w\s]", text)]


# ----------------------------------------------------------------------------- features
def precise_pattern(doc: DocumentView, head: EntityView, tail: EntityView) -> str | None:
    """Name of the precise pattern that links ``head`` -> ``tail`` in their sentence, or None."""
    if head.sentence_index != tail.sentence_index:
        return None
    ctx = pair_context(doc, head, tail)
    if (ctx.coordinated and ctx.between.strip()) or len(ctx.between) > 150:
        return None
    between = ctx.between
    if ctx.first is tail:
        if PRECISE_TAIL_FIRST.match(between):
            return "p_tail_first"
        if len(_tokens(ctx.before)) <= 3 and SUBJECT_TAIL_TRIGGER.search(between) and not NEGATION.search(between):
            return "p_subject_tail_trigger"
        return None
    if PRECISE_HEAD_FIRST.match(between):
        if between.strip().lower().startswith("with") and is_pp_object(doc, head, doc.sentences[head.sentence_index]):
            # "patients with H with T" is fine, "treated with H with T" rarely occurs; keep it.
            return "p_head_with"
        return "p_head_first"
    if MANIF_IN_HEAD.search(ctx.before) and re.match(r"^\s*,?\s*(?:[\w-]+\s+){0,2}$", between):
        if MANIF_SUBJECT_VERB.match(ctx.after):
            return "p_in_head_tail_occurs"
    if _LIST_OPEN.match(between):
        groups = coordination_groups(doc.entities_in(head.sentence_index), doc.text)
        members = [e for e in doc.entities_in(head.sentence_index) if groups.get(e.entity_id) == groups.get(tail.entity_id)]
        if len(members) >= 2:
            return "p_component_list"  # "Denys-Drash syndrome (nephropathy, gonadal anomaly, ...)"
    return None


_GENE_AFTER = re.compile(r"^\s*(?:-/-\s*)?(?:gene|genes|mutations?|deficient|knock-?out|locus|alleles?|protein|mRNA|promoter)\b", re.I)


def excluded_pair(doc: DocumentView, head: EntityView, tail: EntityView) -> str | None:
    """Pairs the guideline never annotates, whatever the words say (reason, or None).

    An abbreviation or synonym and its long form ("myelodysplastic syndrome (MDS)"), hypernym
    pairs ("cancer" / "breast cancer"), coordinated mentions, and mentions naming a gene
    ("VHL gene mutations", "Dmpk deficient mice").
    """
    ctx = pair_context(doc, head, tail)
    if ctx.coordinated and ctx.between.strip():  # "A, B and C"; not "In A calcinosis occurs"
        return "coordinated"
    if head.abbreviation_of or tail.abbreviation_of:
        return "abbreviation"
    if _is_hypernym_pair(head, tail):
        return "hypernym"
    if re.match(r"^\s*[(\[;,]?\s*$", ctx.between):
        # "X (Y)" / "X; Y" with Y alone in the parenthesis: a synonym, not a component list.
        after = doc.text[ctx.second.end : doc.sentences[ctx.second.sentence_index].end]
        if "(" in ctx.between and re.match(r"^\s*[)\]]", after):
            return "synonym"
        if re.match(r"^\s*[)\]]", ctx.between):
            return "synonym"
    for e in (head, tail):
        if _GENE_AFTER.match(doc.text[e.end : e.end + 30]):
            return "gene"
    return None


def _shape(text: str) -> list[str]:
    t = text.lower()
    out = [f"suf={s}" for s in _SUFFIXES if t.endswith(s) or t.rstrip("s").endswith(s)]
    last = (re.findall(r"[a-z]+", t) or [""])[-1]
    if last in GENERIC:
        out.append(f"last={last}")
    if t.strip() in GENERIC or norm(t) in {norm(g) for g in GENERIC}:
        out.append("generic")
    if re.fullmatch(r"[A-Z0-9-]{2,8}", text.strip()):
        out.append("acronym")
    return out


def pair_features(doc: DocumentView, head: EntityView, tail: EntityView, lexicon: frozenset[str]) -> dict[str, float]:
    """Sparse features of the ordered pair (``head`` disease, ``tail`` manifestation)."""
    ctx = pair_context(doc, head, tail)
    sent = doc.sentences[head.sentence_index]
    f: dict[str, float] = {}
    order = "tf" if ctx.first is tail else "hf"
    f[f"order={order}"] = 1.0
    btoks = _tokens(ctx.between)
    if len(btoks) > MAX_BETWEEN_TOKENS:
        f["between=long"] = 1.0
        btoks = btoks[:8] + btoks[-8:]
    for tok in btoks:
        f[f"b:{order}:{tok}"] = 1.0
        f[f"b:{tok}"] = 1.0
    for a, b in zip(btoks, btoks[1:]):
        f[f"bb:{order}:{a}_{b}"] = 1.0
    if not btoks:
        f["between=empty"] = 1.0
    f[f"nb={min(len(btoks), 12) // 3}"] = 1.0
    for tok in _tokens(ctx.before)[-3:]:
        f[f"bef:{tok}"] = 1.0
    for tok in _tokens(ctx.after)[:3]:
        f[f"aft:{tok}"] = 1.0
    n_dis_between = sum(
        1 for e in doc.entities_in(head.sentence_index)
        if e.label == "DISEASE" and e.start >= ctx.first.end and e.end <= ctx.second.start
    )
    f[f"n_dis_between={min(n_dis_between, 3)}"] = 1.0
    if ctx.coordinated:
        f["coordinated"] = 1.0
    if re.match(r"^\s*[(\[]\s*$", ctx.between):
        f["paren_adjacent"] = 1.0
    if _is_hypernym_pair(head, tail):
        f["hypernym"] = 1.0
    if head.abbreviation_of or tail.abbreviation_of:
        f["abbrev"] = 1.0
    for role, e in (("h", head), ("t", tail)):
        for s in _shape(e.text):
            f[f"{role}:{s}"] = 1.0
        n = norm(e.abbreviation_of or e.text)
        if n in lexicon:
            f[f"{role}:hpo"] = 1.0
        elif n.split() and " ".join(n.split()[-2:]) in lexicon:
            f[f"{role}:hpo_suffix"] = 1.0
        if is_pp_object(doc, e, sent):
            f[f"{role}:pp_object"] = 1.0
        if e.negated:
            f[f"{role}:negated"] = 1.0
        prefix = doc.text[max(sent.start, e.start - 30) : e.start]
        if re.search(r"-?(?:induced|associated|related)\s+(?:[\w-]+\s+){0,2}$", prefix, re.I):
            f[f"{role}:induced_prefix"] = 1.0
    if "t:hpo" in f and "h:hpo" not in f:
        f["hpo_tail_only"] = 1.0
    if "h:hpo" in f and "t:hpo" not in f:
        f["hpo_head_only"] = 1.0
    if MANIF_TAIL_FIRST.search(ctx.between) and order == "tf":
        f["cue:tail_first"] = 1.0
    if MANIF_HEAD_FIRST.search(ctx.between) and order == "hf":
        f["cue:head_first"] = 1.0
    if NEGATION.search(ctx.between):
        f["neg_between"] = 1.0
    pat = precise_pattern(doc, head, tail)
    if pat:
        f[f"pattern={pat}"] = 1.0
        f["pattern"] = 1.0
    sig = manifestation_signal(doc, head, tail)
    if sig is not None:
        f[f"rule={sig.rule}"] = 1.0
    if any(e.label == "CHEMICAL" for e in doc.entities_in(head.sentence_index)):
        f["chem_in_sentence"] = 1.0
        if _drug_event(doc, tail):
            f["t:drug_event"] = 1.0
        if _drug_event(doc, head):
            f["h:drug_event"] = 1.0
    return f


# ----------------------------------------------------------------------------- model
@dataclass
class ManifestationModel:
    """Logistic regression over hashed pair features, threshold and the HPO phenotype lexicon."""

    coef: np.ndarray
    intercept: float
    threshold: float
    lexicon: frozenset[str]
    n_features: int = N_FEATURES
    stats: dict = field(default_factory=dict)

    def hasher(self) -> FeatureHasher:
        return FeatureHasher(n_features=self.n_features, input_type="dict", alternate_sign=False)

    def score_features(self, feats: list[dict[str, float]]) -> np.ndarray:
        if not feats:
            return np.zeros(0)
        z = self.hasher().transform(feats) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def candidates(self, doc: DocumentView, method: str = "model") -> list[RelationCandidate]:
        """Accepted ``disease_manifestation`` candidates of a document (score = probability)."""
        pairs = list(disease_pairs(doc))
        if not pairs:
            return []
        scores = self.score_features([pair_features(doc, h, t, self.lexicon) for h, t in pairs])
        best: dict[tuple[str, str], RelationCandidate] = {}
        for (h, t), s in zip(pairs, scores):
            if excluded_pair(doc, h, t):
                continue
            if s < self.threshold:
                # A precise pattern is a labelling source of the model: accept it at the threshold.
                if precise_pattern(doc, h, t) is None or _drug_event(doc, t):
                    continue
                s = self.threshold
            rev = best.get((t.entity_id, h.entity_id))
            if rev is not None and rev.score >= s:
                continue  # one direction per mention pair
            if rev is not None:
                del best[(t.entity_id, h.entity_id)]
            ctx = pair_context(doc, h, t)
            neg = bool(NEGATION.search(ctx.between)) or h.negated or t.negated
            best[(h.entity_id, t.entity_id)] = RelationCandidate(
                type=DISEASE_MANIFESTATION, head=h, tail=t, sentence_index=h.sentence_index,
                score=float(s), negated=neg, method=method,
            )
        return list(best.values())

    def save(self, path: Path) -> None:
        joblib.dump(self, path, compress=3)

    @staticmethod
    def load(path: Path) -> "ManifestationModel":
        return joblib.load(path)


# ----------------------------------------------------------------------------- knowledge base
def _obo_terms(lines: Iterable[str]) -> Iterator[dict[str, list[str]]]:
    term: dict[str, list[str]] | None = None
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("["):
            if term is not None:
                yield term
            term = {} if line == "[Term]" else None
        elif term is not None and ": " in line:
            k, v = line.split(": ", 1)
            term.setdefault(k, []).append(v)
    if term is not None:
        yield term


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path, encoding="utf-8")


@dataclass
class PhenotypeKB:
    """HPO terms, disease -> phenotype annotations and disease-name/id maps (training only)."""

    hpo_by_name: dict[str, set[str]]
    parents: dict[str, set[str]]
    annotations: dict[str, set[str]]  # OMIM/ORPHA id -> HPO ids
    disease_by_name: dict[str, set[str]]  # normalised name -> OMIM/ORPHA ids
    mesh_to_kb: dict[str, set[str]]  # MESH:x -> OMIM ids (CTD alt ids, DOID xrefs)
    mesh_names: dict[str, set[str]]  # MESH:x -> normalised names and synonyms
    generic_terms: set[str]  # top HPO levels (organ-system "Abnormality of ..."), ignored
    _closure: dict[str, set[str]] = field(default_factory=dict)

    @property
    def lexicon(self) -> frozenset[str]:
        return frozenset(self.hpo_by_name)

    def ancestors(self, hid: str) -> set[str]:
        out: set[str] = set()
        stack = [hid]
        while stack:
            for p in self.parents.get(stack.pop(), ()):
                if p not in out:
                    out.add(p)
                    stack.append(p)
        return out

    def closure(self, disease: str) -> set[str]:
        """Annotated phenotypes of a disease and their ancestors (minus the generic top levels)."""
        if disease not in self._closure:
            terms = set(self.annotations.get(disease, ()))
            for h in list(terms):
                terms |= self.ancestors(h)
            self._closure[disease] = terms - self.generic_terms
        return self._closure[disease]

    def disease_ids(self, e: EntityView, ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for i in ids:
            if i.startswith("OMIM:"):
                out.add(i)
            out |= self.mesh_to_kb.get(i, set())
        out |= self.disease_by_name.get(norm(e.abbreviation_of or e.text), set())
        return {d for d in out if d in self.annotations}

    def phenotype_ids(self, e: EntityView, ids: Iterable[str]) -> set[str]:
        names = {norm(e.text)}
        for i in ids:
            names |= self.mesh_names.get(i, set())
        out: set[str] = set()
        for n in names:
            out |= self.hpo_by_name.get(n, set())
        return out - self.generic_terms

    def linked(self, head: EntityView, head_ids: Iterable[str], tail: EntityView, tail_ids: Iterable[str]) -> bool:
        """The head disease is annotated with the tail phenotype (or a descendant of it)."""
        pids = self.phenotype_ids(tail, tail_ids)
        if not pids:
            return False
        return any(pids & self.closure(d) for d in self.disease_ids(head, head_ids))


def load_kb(vocab_dir: Path) -> PhenotypeKB:
    """Read hp.obo, phenotype.hpoa.gz, CTD_diseases.tsv.gz and doid.obo.gz from ``vocab_dir``."""
    hpo_dir = vocab_dir / "hpo"
    hpo_by_name: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = {}
    with _open(hpo_dir / "hp.obo") as fh:
        for t in _obo_terms(fh):
            if "id" not in t or t.get("is_obsolete") == ["true"]:
                continue
            hid = t["id"][0]
            parents[hid] = {p.split()[0] for p in t.get("is_a", [])}
            names = [t["name"][0]] if "name" in t else []
            names += [s.split('"')[1] for s in t.get("synonym", []) if " EXACT" in s and '"' in s]
            for n in names:
                if norm(n):
                    hpo_by_name[norm(n)].add(hid)
    # Phenotypic abnormality (HP:0000118) and its direct children are too generic to count.
    generic = {"HP:0000118", "HP:0000001"} | {h for h, ps in parents.items() if "HP:0000118" in ps}
    phenotypic = {h for h in parents if "HP:0000118" in ({h} | _ancestors(parents, h))}
    hpo_by_name = {n: ids & phenotypic for n, ids in hpo_by_name.items() if ids & phenotypic}
    annotations: dict[str, set[str]] = defaultdict(set)
    disease_by_name: dict[str, set[str]] = defaultdict(set)
    with _open(hpo_dir / "phenotype.hpoa.gz") as fh:
        for line in fh:
            if line.startswith("#") or line.startswith("database_id"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 11 or c[10] != "P" or c[2] == "NOT":
                continue
            annotations[c[0]].add(c[3])
            disease_by_name[norm(c[1])].add(c[0])
    mesh_to_kb: dict[str, set[str]] = defaultdict(set)
    mesh_names: dict[str, set[str]] = defaultdict(set)
    with _open(vocab_dir / "ctd_diseases" / "CTD_diseases.tsv.gz") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) < 8:
                continue
            did = c[1]
            names = [c[0]] + [s for s in c[7].split("|") if s]
            mesh_names[did] |= {norm(n) for n in names}
            omim = {a for a in c[2].split("|") if a.startswith("OMIM:")}
            if did.startswith("OMIM:"):
                omim.add(did)
            if omim:
                mesh_to_kb[did] |= omim
                for n in names:
                    disease_by_name[norm(n)] |= omim
    with _open(vocab_dir / "disease_ontology" / "doid.obo.gz") as fh:
        for t in _obo_terms(fh):
            xrefs = t.get("xref", [])
            omim = {x.split()[0] for x in xrefs if x.startswith("OMIM:")}
            mesh = {"MESH:" + x.split()[0].split(":", 1)[1] for x in xrefs if x.startswith("MESH:")}
            for m in mesh:
                mesh_to_kb[m] |= omim
    return PhenotypeKB(dict(hpo_by_name), parents, dict(annotations), dict(disease_by_name), dict(mesh_to_kb), dict(mesh_names), generic)


def _ancestors(parents: dict[str, set[str]], hid: str) -> set[str]:
    out: set[str] = set()
    stack = [hid]
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in out:
                out.add(p)
                stack.append(p)
    return out


# ----------------------------------------------------------------------------- training data
#: PubTator mention types read as DISEASE / CHEMICAL (BC5CDR, NCBI disease, BioRED).
TYPE_LABELS = {
    "disease": "DISEASE",
    "chemical": "CHEMICAL",
    "specificdisease": "DISEASE",
    "diseaseclass": "DISEASE",
    "modifier": "DISEASE",
    "compositemention": "DISEASE",
    "diseaseorphenotypicfeature": "DISEASE",
    "chemicalentity": "CHEMICAL",
}


@dataclass
class CorpusDoc:
    view: DocumentView
    ids: dict[str, tuple[str, ...]]
    group: str


def corpus_view(doc: PubtatorDocument, source: str) -> CorpusDoc:
    """A PubTator abstract as a view: sentences by the regex splitter, gold mentions (no overlaps)."""
    text = doc.title + " " + doc.abstract
    t_end = len(doc.title)
    spans = split_sentences(text, 0, t_end) + split_sentences(text, t_end + 1, len(text))
    sentences = [SentenceView(i, s, e, "title" if e <= t_end else "abstract") for i, (s, e) in enumerate(spans)]
    entities: list[EntityView] = []
    ids: dict[str, tuple[str, ...]] = {}
    last_end = -1
    for i, m in enumerate(sorted(doc.mentions, key=lambda m: (m.start, -m.end))):
        label = TYPE_LABELS.get(m.type.lower())
        if label is None or m.start < last_end or m.end > len(text):
            continue
        last_end = m.end
        eid = f"{source}:{doc.pmid}#e{i}"
        mids = tuple(mesh_id(x) for x in m.ids if x and x != "-1")
        entities.append(
            EntityView(eid, m.start, m.end, text[m.start : m.end], label, sentence_index_of(sentences, m.start),
                       concept_id=mids[0] if mids else None)
        )
        ids[eid] = mids
    view = DocumentView(f"{source}:{doc.pmid}", text, sentences, entities, title=doc.title,
                        sections=[("title", 0, t_end), ("abstract", t_end + 1, len(text))])
    return CorpusDoc(view, ids, doc.pmid)


def training_corpora(corpora_dir: Path) -> list[tuple[str, Path]]:
    """The training splits used for distant supervision (development splits are never read)."""
    return [
        ("bc5cdr", corpora_dir / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"),
        ("ncbi", corpora_dir / "ncbi_disease" / "NCBItrainset_corpus.txt"),
        ("biored", corpora_dir / "biored" / "Train.PubTator"),
    ]


@dataclass
class DistantPair:
    features: dict[str, float]
    label: int
    source: str  # "kb", "pattern", "kb+pattern" or "none"
    group: str


def distant_pairs(docs: list[CorpusDoc], kb: PhenotypeKB | None, lexicon: frozenset[str]) -> list[DistantPair]:
    """Every ordered same-sentence disease pair of ``docs`` with its distant label."""
    out: list[DistantPair] = []
    for d in docs:
        for h, t in disease_pairs(d.view):
            in_kb = bool(kb and kb.linked(h, d.ids.get(h.entity_id, ()), t, d.ids.get(t.entity_id, ())))
            pat = precise_pattern(d.view, h, t)
            feats = pair_features(d.view, h, t, lexicon)
            if excluded_pair(d.view, h, t):
                src = "excluded"
            elif pat and not feats.get("t:drug_event"):
                src = "kb+pattern" if in_kb else "pattern"
            else:
                src = "kb" if in_kb else "none"
            out.append(DistantPair(feats, int(src not in ("none", "excluded")), src, d.group))
    return out


def _fit(pairs: list[DistantPair], C: float, n_features: int) -> LogisticRegression:
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    clf = LogisticRegression(C=C, max_iter=2000, solver="liblinear", class_weight="balanced")
    clf.fit(hasher.transform([p.features for p in pairs]), np.array([p.label for p in pairs]))
    return clf


def train_manifestation(
    corpora_dir: Path,
    vocab_dir: Path | None,
    C: float = 0.3,
    n_features: int = N_FEATURES,
    cv_folds: int = 3,
    limit: int | None = None,
    corpora: list[tuple[str, Path]] | None = None,
) -> ManifestationModel:
    """Distant labels on the training corpora -> logistic regression + out-of-fold threshold."""
    started = time.time()
    kb = load_kb(vocab_dir) if vocab_dir is not None and (vocab_dir / "hpo" / "hp.obo").exists() else None
    lexicon = kb.lexicon if kb else frozenset()
    docs: list[CorpusDoc] = []
    for source, path in corpora or training_corpora(corpora_dir):
        if not Path(path).exists():
            log.warning("training corpus %s missing", path)
            continue
        for i, doc in enumerate(unique_documents(read_pubtator(Path(path)))):
            if limit is not None and i >= limit:
                break
            docs.append(corpus_view(doc, source))
    pairs = distant_pairs(docs, kb, lexicon)
    labels = np.array([p.label for p in pairs])
    if len(pairs) < 2 or labels.min() == labels.max():
        raise ValueError("manifestation training needs pairs of both labels")
    counts: dict[str, int] = defaultdict(int)
    for p in pairs:
        counts[p.source] += 1
    # Out-of-fold probabilities (folds by PMID) to choose the threshold on distant labels.
    uniq = sorted({p.group for p in pairs})
    fold_of = {g: i % cv_folds for i, g in enumerate(uniq)}
    oof = np.zeros(len(pairs))
    hasher = FeatureHasher(n_features=n_features, input_type="dict", alternate_sign=False)
    for k in range(cv_folds):
        tr = [p for p in pairs if fold_of[p.group] != k]
        te = [i for i, p in enumerate(pairs) if fold_of[p.group] == k]
        if not te or len({p.label for p in tr}) < 2:
            continue
        clf = _fit(tr, C, n_features)
        oof[te] = clf.predict_proba(hasher.transform([pairs[i].features for i in te]))[:, 1]
    best = (0.5, -1.0, {})
    n_pos = int(labels.sum())
    for t in np.arange(0.3, 0.96, 0.025):
        hit = oof >= t
        tp = int((hit & (labels == 1)).sum())
        p = tp / hit.sum() if hit.sum() else 0.0
        r = tp / n_pos if n_pos else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[1]:
            best = (round(float(t), 3), f, {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)})
    clf = _fit(pairs, C, n_features)
    stats = {
        "n_docs": len(docs),
        "n_pairs": len(pairs),
        "n_positive": n_pos,
        "label_sources": dict(counts),
        "cv_distant_labels": best[2],
        "cv_folds": cv_folds,
        "threshold_source": "out-of-fold F1 against the distant labels (training corpora)",
        "C": C,
        "n_features": n_features,
        "kb": bool(kb),
        "train_seconds": round(time.time() - started, 1),
    }
    log.info("manifestation model: %s", stats)
    return ManifestationModel(clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0]), best[0], lexicon, n_features, stats)
