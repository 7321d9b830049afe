"""The Python API (``extract.load()``, ``annotate``, ``annotate_many``) and ``biomed-extract annotate``,
with the shipped models (loaded once for the module)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

import extract
from extract import schemas
from extract.api import AnnotationBatch, Pipeline
from extract.ner.pipeline import get_ner_nlp
from extract.relations.stage import get_extractor
from extract.schemas import ENTITY_LABELS
from helpers import ROOT
from pipelines.cli import app

TERIPARATIDE = "Teriparatide-induced hypercalcemia and dystrophic calcification in a patient treated for osteoporosis."
WARFARIN = "The patient received warfarin without bleeding."


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return extract.load()


def _by_text(rows: list[dict]) -> dict[str, dict]:
    """CHEMICAL / DISEASE mentions by lower-cased text (not the adverse-effect spans)."""
    return {r["text"].lower(): r for r in rows if r["label"] in ENTITY_LABELS}


def test_load_returns_the_stage_pipeline_and_extractor_once(nlp):
    assert nlp.language is get_ner_nlp() and nlp.extractor is get_extractor()
    assert extract.load().language is nlp.language  # loaded once per process
    assert "extract_linker" in nlp.language.pipe_names and "extract_context" in nlp.language.pipe_names
    assert nlp.versions["entities"].startswith("ner-") and nlp.versions["relations"].startswith("relations-")


def test_annotate_finds_the_linked_drug_and_its_adverse_events(nlp):
    result = nlp.annotate(TERIPARATIDE)
    assert result.text == TERIPARATIDE
    for e in result.entities:
        assert result.text[e["start"] : e["end"]] == e["text"]
    ents = _by_text(result.entities)
    drug = ents["teriparatide"]
    assert drug["label"] == "CHEMICAL" and drug["concept_id"] == "MESH:D019379"
    assert drug["concept_name"] == "Teriparatide" and drug["drug_classes"]
    assert ents["hypercalcemia"]["label"] == "DISEASE" and ents["hypercalcemia"]["concept_id"].startswith("MESH:")
    adverse = {(r["head_text"].lower(), r["tail_text"].lower()): r for r in result.relations}
    rel = adverse[("teriparatide", "hypercalcemia")]
    assert rel["type"] == "drug_adverse_event" and not rel["negated"]
    assert 0 < rel["score"] <= 1 and rel["evidence"] == TERIPARATIDE
    assert rel["head_concept_id"] == "MESH:D019379"
    assert any(
        d["type"] == "drug_adverse_event" and d["head_concept_id"] == "MESH:D019379" for d in result.document_relations
    )
    assert result.rejects == []


def test_a_drug_given_for_a_disease_causes_the_event_not_the_disease(nlp):
    """ "Morphine for postoperative pain caused nausea": the drug caused the nausea (an adverse event), the pain did not
    (no manifestation); "Diabetic macular oedema caused visual impairment" stays a manifestation."""
    result = nlp.annotate("Morphine for postoperative pain caused nausea.")
    found = {(r["type"], r["head_text"].lower(), r["tail_text"].lower()) for r in result.relations}
    assert ("drug_adverse_event", "morphine", "nausea") in found
    assert not any(kind == "disease_manifestation" for kind, _, _ in found)
    result = nlp.annotate("Sumatriptan in acute migraine caused chest tightness.")  # the mention leaves "acute" out
    assert not [r for r in result.relations if r["type"] == "disease_manifestation"]
    result = nlp.annotate("Diabetic macular oedema caused visual impairment.")
    assert [(r["type"], r["tail_text"]) for r in result.relations] == [("disease_manifestation", "visual impairment")]


def test_a_clause_after_a_comma_and_is_no_coordinated_mention(nlp):
    """The bundled sample's sentence: heliotrope rash is a manifestation of dermatomyositis; "calcinosis cutis occurs"
    opens the next clause and takes nothing from it.  A list of three keeps every member."""
    result = nlp.annotate(
        "Heliotrope rash and Gottron papules are hallmark manifestations of dermatomyositis, and calcinosis cutis "
        "occurs in many patients with juvenile dermatomyositis."
    )
    found = {(r["head_text"].lower(), r["tail_text"].lower()) for r in result.relations}
    assert ("dermatomyositis", "heliotrope rash") in found
    assert ("calcinosis cutis", "heliotrope rash") not in found
    result = nlp.annotate("Calcinosis cutis is a manifestation of systemic sclerosis, dermatomyositis, and lupus.")
    heads = {r["head_text"].lower() for r in result.relations if r["type"] == "disease_manifestation"}
    assert heads == {"systemic sclerosis", "dermatomyositis", "lupus"}


def test_negation_and_json(nlp):
    result = nlp.annotate(WARFARIN)
    ents = _by_text(result.entities)
    assert ents["bleeding"]["negated"] and not ents["warfarin"]["negated"]
    assert "Anticoagulants" in ents["warfarin"]["drug_classes"]
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) == {"doc_id", "text", "entities", "relations", "document_relations"}
    assert [e["text"] for e in data["entities"]] == [e["text"] for e in result.entities]


def test_title_comes_first_and_offsets_refer_to_the_cleaned_text(nlp):
    result = nlp.annotate("Hypercalcemia   after teriparatide.", title="A case  report")
    assert result.text == "A case report\n\nHypercalcemia after teriparatide."
    assert {e["text"] for e in result.entities} >= {"Hypercalcemia", "teriparatide"}
    for e in result.entities:
        assert result.text[e["start"] : e["end"]] == e["text"]


def test_annotate_many_equals_one_by_one_and_has_the_parquet_schemas(nlp):
    texts = [TERIPARATIDE, WARFARIN, TERIPARATIDE]
    batch = nlp.annotate_many(texts)
    assert isinstance(batch, AnnotationBatch) and len(batch) == 3
    assert [a.doc_id for a in batch] == ["text-0", "text-1", "text-2"]
    for annotation, text in zip(batch, texts):
        single = nlp.annotate(text)
        strip = lambda rows: [{k: v for k, v in r.items() if k not in ("doc_id", "entity_id")} for r in rows]
        assert strip(annotation.entities) == strip(single.entities)
        assert [(r["type"], r["head_text"], r["tail_text"], r["score"]) for r in annotation.relations] == [
            (r["type"], r["head_text"], r["tail_text"], r["score"]) for r in single.relations
        ]
    for table in ("entities", "relations", "document_relations", "sentences", "documents"):
        arrow = batch.to_arrow(table)
        assert arrow.schema.equals(schemas.TABLES[table]), table
        assert batch[0].to_arrow(table).schema.equals(schemas.TABLES[table]), table
        assert list(batch.to_pandas(table).columns) == schemas.TABLES[table].names
    assert batch.to_arrow("entities").num_rows == sum(len(a.entities) for a in batch)
    named = nlp.annotate_many([WARFARIN], ids=["PMID:1"])
    assert named[0].doc_id == "PMID:1" and named[0].entities[0]["entity_id"].startswith("PMID:1#e")


def test_bad_input_gets_a_clear_error(nlp):
    for text, error, message in [
        ("", ValueError, "empty"),
        ("  \n\t ", ValueError, "empty"),
        (None, TypeError, "must be a str, not NoneType"),
        (42, TypeError, "must be a str, not int"),
        (b"bytes", TypeError, "must be a str, not bytes"),
    ]:
        with pytest.raises(error, match=message):
            nlp.annotate(text)
    with pytest.raises(ValueError, match="max_doc_chars"):
        nlp.annotate("x" * (nlp.settings.max_doc_chars + 1))
    with pytest.raises(TypeError, match="for one text use annotate"):
        nlp.annotate_many(TERIPARATIDE)
    with pytest.raises(TypeError, match="list of texts"):
        nlp.annotate_many(3)
    with pytest.raises(ValueError, match=re.escape("texts[1] is empty")):
        nlp.annotate_many([TERIPARATIDE, ""])
    with pytest.raises(TypeError, match=re.escape("texts[0] must be a str")):
        nlp.annotate_many([float("nan")])
    with pytest.raises(ValueError, match="unique"):
        nlp.annotate_many([TERIPARATIDE, WARFARIN], ids=["a", "a"])
    with pytest.raises(ValueError, match="unknown table"):
        nlp.annotate(WARFARIN).to_arrow("entity")
    assert len(nlp.annotate_many([])) == 0


def test_readme_example_runs(nlp):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    entities = namespace["entities"]  # the example's last line: a DataFrame of the entities table
    assert list(entities.columns) == schemas.TABLES["entities"].names
    assert {"Cisplatin", "Warfarin"} <= set(entities["text"]) and entities["negated"].any()


def test_cli_annotate_table_json_file_and_errors(nlp, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(app, ["annotate", TERIPARATIDE], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "MESH:D019379" in shown.output and "drug_adverse_event" in shown.output
    assert f"sentence 0: {TERIPARATIDE}" in shown.output
    file = tmp_path / "text.txt"
    file.write_text(WARFARIN, encoding="utf-8")
    as_json = runner.invoke(app, ["annotate", "--file", str(file), "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert {e["text"]: e["negated"] for e in data["entities"]} == {"warfarin": False, "bleeding": True}
    for args, message in [
        (["annotate", "   "], "the text is empty"),
        (["annotate"], "give the text as an argument"),
        (["annotate", "x", "--file", str(file)], "not both"),
        (["annotate", "--file", str(tmp_path / "missing.txt")], "cannot read"),
    ]:
        failed = runner.invoke(app, args)
        assert failed.exit_code == 2 and message in failed.output, (args, failed.output)
