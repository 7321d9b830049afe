"""Old MeSH ids (BC5CDR is from 2015) -> current ids: the linker's equivalence table, built from the
MeSH files and the BC5CDR training split, on real files, the shipped linker and real pipeline output."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.linking.equivalence import (
    FILE_NAME,
    Equivalence,
    EquivalenceTable,
    corpus_equivalences,
    load_equivalences,
    mesh_equivalences,
)
from extract.linking.knowledge_base import read_corpus_pairs
from extract.runner import run_texts
from extract.settings import get_settings, resolve_model_dir
from extract.vocab.files import vocab_files

LINKER = resolve_model_dir("", "linker")
NER = resolve_model_dir("", "ner")
MESH = get_settings().shared_dir / "vocab" / "mesh"

needs_table = pytest.mark.skipif(
    LINKER is None or NER is None or not (LINKER / FILE_NAME).exists(),
    reason="needs models/ner-* and a models/linker-* built with its equivalence table",
)
needs_mesh = pytest.mark.skipif(not MESH.is_dir(), reason="needs ../shared/vocab/mesh")


@needs_table
def test_an_old_bc5cdr_id_resolves_through_the_equivalence_table() -> None:
    # BC5CDR train calls sevoflurane C009250, a supplementary concept MeSH later made the descriptor
    # D000077149: the pipeline links to the descriptor, and the table leads from one id to the other.
    text = "Emergence agitation after sevoflurane anesthesia in children. Sevoflurane was given by mask."
    rows = [{"doc_id": "test:sevo", "source": "test", "source_index": 0, "format": "text", "text": text}]
    entities = run_texts(rows, stages=("clean", "ner"))["entities"].to_pylist()
    sevo = [e for e in entities if e["text"].lower() == "sevoflurane"]
    assert sevo, entities
    table = load_equivalences(LINKER)
    for entity in sevo:
        assert entity["concept_id"] == "MESH:D000077149"
        assert table.current_id("MESH:C009250") == entity["concept_id"]
        assert "MESH:C009250" in table.former_ids(entity["concept_id"])
        assert entity["mesh_tree_numbers"]  # a descriptor now: it has a place in the tree


@needs_mesh
def test_the_mesh_files_show_retired_descriptors_and_promoted_supplementary_concepts() -> None:
    table = EquivalenceTable(mesh_equivalences(vocab_files()))
    # A 2019 descriptor MeSH 2024 dropped, whose name is now an entry term of another descriptor.
    assert table.current_id("MESH:D018290") == "MESH:D002578"  # Cervical Intraepithelial Neoplasia
    # A C-number the cross-references still name, with the name of a descriptor created since 2019.
    assert table.current_id("MESH:C000612166") == "MESH:D000097602"  # cefiderocol
    # Current ids stay as they are.
    assert table.current_id("MESH:D000077149") == "MESH:D000077149"
    assert all(e.source == "mesh_names" and e.old != e.current for e in table)


@needs_table
def test_training_pairs_give_an_equivalence_only_when_their_links_agree(tmp_path: Path) -> None:
    # Mention -> id pairs read from a PubTator file; the shipped linker's exact lookup links them.
    from extract.linking.linker import EntityLinker

    text = "Sevoflurane (SVF) was given; aspirin or warfarin were not."
    lines = [f"1|t|{text}", "1|a|"]
    for mention, concept in [
        ("Sevoflurane", "C999991"),
        ("SVF", "C999991"),
        ("aspirin", "C999992"),
        ("warfarin", "C999992"),
    ]:
        start = text.index(mention)
        lines.append(f"1\t{start}\t{start + len(mention)}\t{mention}\tChemical\t{concept}")
    lines.append("")
    corpus = tmp_path / "train.PubTator"
    corpus.write_text("\n".join(lines))
    linker = EntityLinker(LINKER)

    def lookup(mention: str, label: str) -> set[str]:
        found = linker.exact(mention, label)
        return {found.concept_id} if found is not None else set()

    found = corpus_equivalences(read_corpus_pairs(corpus), lambda cid: False, lookup, "toy_train")
    # C999991: "Sevoflurane" links, "SVF" does not (half the names link): an equivalence.
    # C999992: "aspirin" and "warfarin" link to two different concepts: none.
    assert [(e.old, e.current) for e in found] == [("MESH:C999991", "MESH:D000077149")]
    assert "1 of 2 training mentions" in found[0].evidence


@needs_table
def test_link_evaluation_counts_an_old_gold_id_through_the_table_only(tmp_path: Path) -> None:
    from extract.evaluation.link import evaluate_link

    title = "Sevoflurane and agitation."
    abstract = "Children received sevoflurane."
    second = len(title) + 1 + abstract.index("sevoflurane")
    lines = [
        f"9001|t|{title}",
        f"9001|a|{abstract}",
        "9001\t0\t11\tSevoflurane\tChemical\tC009250",
        f"9001\t{second}\t{second + 11}\tsevoflurane\tChemical\tC009250",
        "",
    ]
    corpus = tmp_path / "dev.PubTator"
    corpus.write_text("\n".join(lines))
    result = evaluate_link(corpus, gold_entities=True)
    chemical = result["per_label"]["CHEMICAL"]
    assert (chemical["tp"], chemical["fp"], chemical["fn"]) == (1, 0, 0)
    assert result["equivalences"]["gold_ids_touched"] == 1
    assert result["equivalences"]["gold_ids_touched_by_label"]["CHEMICAL"] == ["C009250"]
    assert result["without_equivalences"]["per_label"]["CHEMICAL"] == 0.0


def test_a_table_follows_chains_and_refuses_bad_entries(tmp_path: Path) -> None:
    table = EquivalenceTable([Equivalence("MESH:C1", "MESH:C2", "t", ""), Equivalence("MESH:C2", "MESH:D3", "t", "")])
    assert table.current_id("MESH:C1") == "MESH:D3"
    assert table.former_ids("MESH:D3") == ["MESH:C1", "MESH:C2"]
    with pytest.raises(ValueError, match="cannot replace itself"):
        table.add(Equivalence("MESH:C5", "MESH:C5", "t", ""))
    table.save(tmp_path)
    assert [e.old for e in load_equivalences(tmp_path)] == ["MESH:C1", "MESH:C2"]
    assert len(load_equivalences(tmp_path / "none")) == 0  # a folder without a table: empty
    (tmp_path / FILE_NAME).write_text('{"rows": []}')
    with pytest.raises(ValueError, match="not an equivalence table"):
        load_equivalences(tmp_path)
