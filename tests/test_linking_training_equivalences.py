"""Old MeSH ids of every training split: BioRED train calls celecoxib ``C105934`` and valsartan
``C081489`` (2015 supplementary concepts), MeSH 2024 has the descriptors ``D000068579`` and
``D000068756``.  The equivalence table is built from all training splits pooled, and the old id's
aliases, priors and composites become the current concept's, which keeps its MeSH name and drug
classes.  On the real knowledge base (built from ../shared) and the configured linker."""

from __future__ import annotations

import json

import pytest

from extract.linking.equivalence import load_equivalences
from extract.linking.knowledge_base import KnowledgeBaseData, build_knowledge_base, read_corpus_pairs, read_pmids
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir

SHARED = get_settings().shared_dir
CORPORA = SHARED / "corpora"
LINKER = resolve_model_dir(get_settings().linker_index, "linker")
NER = resolve_model_dir("", "ner")

OLD_TO_CURRENT = {
    "MESH:C105934": ("MESH:D000068579", "Celecoxib", "Cyclooxygenase 2 Inhibitors"),
    "MESH:C081489": ("MESH:D000068756", "Valsartan", "Angiotensin II Type 1 Receptor Blockers"),
}


def _built_with_training_splits(folder) -> bool:
    """A linker whose equivalence table was built from every training split (linker 0.5.0 on)."""
    meta = folder / "meta.json" if folder is not None else None
    if meta is None or not meta.exists():
        return False
    return "from_biored_train" in json.loads(meta.read_text())["sources"].get("equivalences", {})


needs_vocab = pytest.mark.skipif(
    not (SHARED / "vocab" / "mesh").is_dir() or not (CORPORA / "biored" / "Train.PubTator").exists(),
    reason="needs ../shared/vocab and ../shared/corpora",
)
needs_linker = pytest.mark.skipif(
    NER is None or not _built_with_training_splits(LINKER),
    reason="needs models/ner-* and a linker built with the training splits' equivalences (linker-0.5.0)",
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBaseData:
    return build_knowledge_base(SHARED)


@needs_vocab
@pytest.mark.slow
def test_old_biored_ids_merge_into_the_current_mesh_descriptor(kb: KnowledgeBaseData) -> None:
    table = kb.equivalences
    for old, (current, name, drug_class) in OLD_TO_CURRENT.items():
        assert table.current_id(old) == current
        assert old in table.former_ids(current)
        assert "biored_train" in next(e for e in table if e.old == old).source
        # The old id is no concept of its own: its training aliases and priors are the descriptor's.
        assert old not in kb.concepts
        concept = kb.concepts[current]
        assert concept.name == name  # MeSH's name, not the commonest training mention ("CE", "VAL")
        assert name.lower() in concept.aliases
        assert kb.priors[name.lower()] == {current: kb.priors[name.lower()][current]}
        assert all(old not in counts for counts in kb.priors.values())
        assert drug_class in kb.mesh_annotations[current]["drug_classes"]
    # Only MeSH's own old ids: an OMIM id of NCBI disease train ("SCA6" -> Spinocerebellar Ataxias, a
    # broader MeSH concept) is another vocabulary's id, not an old one.
    assert all(e.old.startswith("MESH:") for e in table)


@needs_vocab
@pytest.mark.slow
def test_training_equivalences_never_come_from_the_development_split(kb: KnowledgeBaseData) -> None:
    # Every training-split equivalence names an old id some training split (dev PMIDs left out) uses.
    dev_pmids = read_pmids(CORPORA / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt")
    training = {
        "bc5cdr_train": CORPORA / "bc5cdr" / "CDR_TrainingSet.PubTator.txt",
        "ncbi_disease_train": CORPORA / "ncbi_disease" / "NCBItrainset_corpus.txt",
        "biored_train": CORPORA / "biored" / "Train.PubTator",
    }
    used = {name: {p.concept_id for p in read_corpus_pairs(path, dev_pmids)} for name, path in training.items()}
    from_training = [e for e in kb.equivalences if e.source != "mesh_names"]
    assert from_training
    for entry in from_training:
        for split in entry.source.split("+"):
            assert entry.old in used[split], entry


@needs_linker
def test_celecoxib_and_valsartan_link_to_their_current_descriptors_with_drug_classes() -> None:
    text = "Celecoxib-induced interstitial nephritis and valsartan-induced angioedema were reported."
    rows = [{"doc_id": "test:coxib", "source": "test", "source_index": 0, "format": "text", "text": text}]
    entities = run_texts(rows, stages=("clean", "ner"))["entities"].to_pylist()
    table = load_equivalences(LINKER)
    for old, (current, name, drug_class) in OLD_TO_CURRENT.items():
        found = [e for e in entities if e["text"].lower() == name.lower()]
        assert found, entities
        for entity in found:
            assert entity["concept_id"] == current
            assert entity["concept_name"] == name
            assert drug_class in entity["drug_classes"]
            assert entity["mesh_tree_numbers"]
        assert table.current_id(old) == current
        assert table.former_ids(current) == [old]
