"""MeSH preferred over HPO / Disease Ontology links, and the training corpus's composite mentions.

A small hand-made knowledge base (built into a real index, seconds) and tiny vocabulary / corpus files;
the last test scores the shipped linker on BC5CDR dev gold mentions (slow).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from extract.linking.index import build_index_files
from extract.linking.knowledge_base import (
    Concept,
    KnowledgeBaseBuilder,
    KnowledgeBaseData,
    corpus_composites,
    read_mention_id_sets,
)
from extract.linking.linker import EntityLinker
from extract.linking.normalize import normalize
from extract.nlp.tokenizer import make_blank_nlp
from extract.vocab.files import VocabFiles


def _concept(
    cid: str, name: str, aliases: list[str] = (), xrefs: set[str] = frozenset(), label: str = "DISEASE"
) -> Concept:
    ontology = "MESH" if cid.startswith("MESH:") else {"HP": "HPO"}.get(cid.split(":")[0], cid.split(":")[0])
    return Concept(cid, name, label, ontology, {normalize(a) for a in [name, *aliases]}, set(xrefs))


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    concepts = [
        _concept("MESH:D000471", "Alkalosis"),
        _concept("HP:0200114", "Metabolic alkalosis"),  # no MeSH concept of its own
        _concept("MESH:D005234", "Fatty Liver"),
        _concept("HP:0001397", "Hepatic steatosis", ["steatosis"], {"MESH:D005234"}),  # cross-referenced
        _concept("MESH:D003556", "Cystitis"),
        _concept("MESH:D006470", "Hemorrhage"),
        _concept("DOID:0050859", "hemorrhagic cystitis", ["haemorrhagic cystitis"]),
        _concept("HP:0000001", "Rare fixture phenotype"),  # nothing in MeSH
        _concept("MESH:D007069", "Ifosfamide", label="CHEMICAL"),
    ]
    composites = {"DISEASE\themorrhagic cystitis": ["MESH:D006470", "MESH:D003556"]}
    data = KnowledgeBaseData({c.concept_id: c for c in concepts}, {}, {}, {}, composites=composites)
    folder = tmp_path_factory.mktemp("linker") / "linker-mesh-preference"
    build_index_files(data, folder, threads=1)
    return folder


def _link(linker: EntityLinker, text: str):
    return linker.link_texts([(text, "DISEASE")])[0]


def test_hpo_only_mention_takes_the_mesh_concept_its_head_names(index: Path) -> None:
    result = _link(EntityLinker(index), "metabolic alkalosis")
    assert result.concept_id == "MESH:D000471" and result.method == "mesh_backoff"
    kept = _link(EntityLinker(index, prefer_mesh=""), "metabolic alkalosis")
    assert kept.concept_id == "HP:0200114" and kept.method == "exact"
    # no MeSH concept reachable: the HPO link stays
    assert _link(EntityLinker(index), "rare fixture phenotype").concept_id == "HP:0000001"


def test_cross_reference_route_when_asked(index: Path) -> None:
    # default routes (back-off only): "steatosis" has no MeSH head concept, the HPO link stays
    assert _link(EntityLinker(index), "steatosis").concept_id == "HP:0001397"
    result = _link(EntityLinker(index, prefer_mesh="xref,backoff"), "steatosis")
    assert result.concept_id == "MESH:D005234" and result.method == "mesh_xref"
    with pytest.raises(ValueError):
        _link(EntityLinker(index, prefer_mesh="nearest"), "hepatic steatosis")


def test_composite_mention_links_every_concept(index: Path) -> None:
    linker = EntityLinker(index)
    for text in ("hemorrhagic cystitis", "Haemorrhagic cystitis"):
        result = _link(linker, text)
        assert result.method == "composite" and result.concept_id == "MESH:D006470"
        assert [p.concept_id for p in result.parts] == ["MESH:D006470", "MESH:D003556"]
    # through spaCy: both ids in concept_ids, as the evaluation counts them
    nlp = make_blank_nlp()
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "DISEASE", "pattern": "hemorrhagic cystitis"}])
    nlp.add_pipe("extract_linker", config={"linker_path": str(index)})
    (ent,) = nlp("Ifosfamide caused hemorrhagic cystitis.").ents
    assert ent._.concept_ids == ["MESH:D006470", "MESH:D003556"]


def test_corpus_composites_need_repeats_and_a_majority(tmp_path: Path) -> None:
    lines = [
        "1|t|x",
        "1\t0\t5\themorrhagic cystitis\tDisease\tD006470|D003556\themorrhagic|cystitis",
        "2\t0\t5\tHemorrhagic cystitis\tDisease\tD003556|D006470",  # same set, other order
        "3\t0\t5\themorrhagic cystitis\tDisease\tD003556",
        "4\t0\t5\tfibrous myopathy\tDisease\tD005355|D009135",  # once only
        "5\t0\t5\tliver damage\tDisease\tD056486",
        "6\t0\t5\themorrhagic cystitis\tDisease\tD006470|D003556",  # excluded PMID
    ]
    path = tmp_path / "train.pubtator"
    path.write_text("\n".join(lines) + "\n")
    occurrences = list(read_mention_id_sets(path, {"6"}))
    assert ("hemorrhagic cystitis", "DISEASE", ("MESH:D006470", "MESH:D003556")) in occurrences
    assert len(occurrences) == 5
    assert corpus_composites(occurrences) == {"DISEASE\themorrhagic cystitis": ["MESH:D006470", "MESH:D003556"]}
    # 2 of 3 occurrences are the composite; a 0.7 share is not reached
    assert corpus_composites(occurrences, min_share=0.7) == {}


def test_hpo_cross_references_recorded_when_one_disease(tmp_path: Path) -> None:
    mesh_dir = tmp_path / "mesh"
    mesh_dir.mkdir()
    rows = [
        "Namespace\tMeshUI\tMeshName\tTargetNamespace\tTargetID\tTargetName",
        "MESH\tD005234\tFatty Liver\tHP\tHP:0001397\tHepatic steatosis",
        "MESH\tD000471\tAlkalosis\tHP\tHP:0001948\tAlkalosis",  # the HPO term is merged into MeSH already
        "MESH\tD012640\tSeizures\tHP\tHP:0002069\tBilateral tonic-clonic seizure",
        "MESH\tD004827\tEpilepsy\tHP\tHP:0002069\tBilateral tonic-clonic seizure",  # two targets: none
        "MESH\tC000002\tbevonium\tCHEBI\tCHEBI:135495\tbevonium",
    ]
    with gzip.open(mesh_dir / "mesh_xrefs.tsv.gz", "wt") as out:
        out.write("\n".join(rows) + "\n")
    builder = KnowledgeBaseBuilder()
    for concept in (
        _concept("MESH:D005234", "Fatty Liver"),
        _concept("MESH:D000471", "Alkalosis", xrefs={"HP:0001948"}),
        _concept("MESH:D012640", "Seizures"),
        _concept("MESH:D004827", "Epilepsy"),
        _concept("HP:0001397", "Hepatic steatosis"),
        _concept("HP:0002069", "Bilateral tonic-clonic seizure"),
    ):
        builder.concepts[concept.concept_id] = concept
    builder.add_hpo_mesh_xrefs(VocabFiles(tmp_path))
    assert builder.concepts["HP:0001397"].xrefs == {"MESH:D005234"}
    assert builder.concepts["HP:0002069"].xrefs == set()
    assert builder.sources["hpo"]["mesh_xrefs"] == 1


@pytest.mark.slow
def test_shipped_linker_gold_mentions_prefer_mesh() -> None:
    """BC5CDR dev with gold mentions through the shipped linker: the MeSH routes and composites do not
    lower the disease score, and mentions linked to HPO / DOID are rarer with them."""
    from extract.evaluation.link import evaluate_link
    from extract.settings import get_settings, resolve_model_dir

    folder = resolve_model_dir(get_settings().linker_index, "linker")
    if folder is None or not (folder / "composites.json.gz").exists():
        pytest.skip("no linker index with composites (linker 0.4.0 or later)")
    corpus = get_settings().corpora_dir / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
    result = evaluate_link(corpus, gold_entities=True)
    assert result["per_label"]["DISEASE"]["f1"] >= 0.90
    assert result["per_label"]["CHEMICAL"]["f1"] >= 0.94
