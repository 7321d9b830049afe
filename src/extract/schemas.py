"""Explicit Arrow schemas of every table the pipeline writes.

One place defines the columns, their types and their meaning; writers cast to
these schemas so every Parquet file of a table has the same layout whatever
stage or batch produced it.  ``docs/`` and README.md are generated from the
``description`` metadata kept here.

Layout on disk (``--out``): one folder per table, one Hive-style partition
folder per ingest batch, e.g. ``entities/batch_id=b-3f2a.../part-0.parquet``.
``batch_id`` is also stored inside each file so a single file is self-describing.
"""

from __future__ import annotations

import pyarrow as pa

SECTION = pa.struct(
    [
        pa.field("name", pa.string()),
        pa.field("start", pa.int32()),
        pa.field("end", pa.int32()),
    ]
)


def _f(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


RAW_DOCUMENTS = pa.schema(
    [
        _f(
            "doc_id", pa.string(), "Stable document id: PMID:<n>, PMC:<n>, else sha256-based hash of the content", False
        ),
        _f("batch_id", pa.string(), "Ingest batch the document belongs to", False),
        _f("source", pa.string(), "Input file the document came from (path as given)", False),
        _f("source_index", pa.int32(), "Position of the document within its source file", False),
        _f("format", pa.string(), "Input format: medline, pmc, pubtator, webpage, html, text", False),
        _f("title", pa.string(), "Title as found in the source"),
        _f("text", pa.string(), "Body text as extracted, before cleaning (title not included)", False),
        _f(
            "sections",
            pa.list_(SECTION),
            "Sections known from the source markup (offsets into text); names as in documents.sections",
        ),
        _f("pmid", pa.string(), "PubMed id"),
        _f("pmcid", pa.string(), "PubMed Central id (PMCnnnn)"),
        _f("doi", pa.string(), "DOI"),
        _f("journal", pa.string(), "Journal title"),
        _f("year", pa.int32(), "Publication year"),
        _f("authors", pa.list_(pa.string()), "Author names, 'Last Initials'"),
        _f("mesh_terms", pa.list_(pa.string()), "MeSH descriptor names (MEDLINE)"),
        _f("content_sha256", pa.string(), "sha256 of title + text, for duplicate detection", False),
        _f(
            "duplicate_of",
            pa.string(),
            "doc_id of the first document of the batch with the same title and text, "
            "when this one has an id of its own (another PMID): both are kept",
        ),
    ]
)

DOCUMENTS = pa.schema(
    [
        _f("doc_id", pa.string(), "Stable document id (see raw_documents)", False),
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("source", pa.string(), "Input file the document came from", False),
        _f("format", pa.string(), "Input format", False),
        _f("title", pa.string(), "Cleaned title"),
        _f("text", pa.string(), "Cleaned text: title, blank line, then the body; all offsets refer to this", False),
        _f(
            "sections",
            pa.list_(SECTION),
            "Sections of the cleaned text: title; abstract, or 'abstract / <label>' for each part of a structured "
            "abstract ('abstract / METHODS' in MEDLINE, 'abstract / Methods' in PMC); keywords; body sections by their "
            "headings, nested ones joined by ' / ' ('Methods / Statistical analysis'); 'figure: <label>' and "
            "'table: <label>' captions. Only the abstract's names start with 'abstract'",
        ),
        _f("pmid", pa.string(), "PubMed id"),
        _f("pmcid", pa.string(), "PubMed Central id"),
        _f("doi", pa.string(), "DOI"),
        _f("journal", pa.string(), "Journal title"),
        _f("year", pa.int32(), "Publication year"),
        _f("authors", pa.list_(pa.string()), "Author names"),
        _f("mesh_terms", pa.list_(pa.string()), "MeSH descriptor names"),
        _f("n_sentences", pa.int32(), "Number of sentences in the sentences table", False),
        _f("content_sha256", pa.string(), "sha256 of the raw title + text", False),
    ]
)

SENTENCES = pa.schema(
    [
        _f("doc_id", pa.string(), "Document id", False),
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("sentence_index", pa.int32(), "0-based sentence number within the document", False),
        _f("start", pa.int32(), "Start offset in documents.text", False),
        _f("end", pa.int32(), "End offset (exclusive) in documents.text", False),
        _f(
            "section",
            pa.string(),
            "Name of the section the sentence lies in (see documents.sections): 'abstract / Methods' is the "
            "abstract's, 'Methods' the body's",
        ),
    ]
)

#: The two entity labels (``entities.label``), in the order reports and scores list them.
CHEMICAL = "CHEMICAL"
DISEASE = "DISEASE"
ENTITY_LABELS: tuple[str, ...] = (CHEMICAL, DISEASE)
#: Adverse-effect spans as the ADE corpus annotates them ("lithium intoxication", "lost consciousness"), written by
#: the NER stage's ``extract_adverse_effects`` tagger beside the two labels above (after them in entity id order,
#: ``method`` "adverse_effect_tagger", never linked).  Not a BC5CDR mention: NER and link scores, the relation
#: candidates and the relation models' features ignore them; the relation stage reads them only as adverse-event
#: phrases (``relations.tail_phrase``) and, with the ``ade_effect_tails`` setting (off by default; then every
#: sentence holding a CHEMICAL is tagged, not only those also holding a DISEASE), as tails that can only become
#: same-sentence ``drug_adverse_event`` rows (``extract.relations.effect_spans``).
ADVERSE_EFFECT = "ADVERSE_EFFECT"

ENTITIES = pa.schema(
    [
        _f("doc_id", pa.string(), "Document id", False),
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("entity_id", pa.string(), "Entity id, unique within the document: <doc_id>#e<n>", False),
        _f("start", pa.int32(), "Start offset in documents.text", False),
        _f("end", pa.int32(), "End offset (exclusive) in documents.text", False),
        _f("text", pa.string(), "Mention text, equal to documents.text[start:end]", False),
        _f(
            "label",
            pa.string(),
            "CHEMICAL or DISEASE (diseases, phenotypes, manifestations); ADVERSE_EFFECT: an adverse effect as the ADE "
            "corpus annotates it, in the sentences holding a CHEMICAL and a DISEASE (tagger extract_adverse_effects, "
            "off unless BIOMED_EXTRACT_ADE_EFFECTS=true; unlinked, numbered after the others)",
            False,
        ),
        _f("sentence_index", pa.int32(), "Sentence the mention lies in", False),
        _f("section", pa.string(), "Section the mention lies in (as sentences.section)"),
        _f(
            "method",
            pa.string(),
            "What found it: model, lexicon, abbreviation, drug_class (a model CHEMICAL widened over a class head "
            'such as "channel blockers"), drug_lexicon (a biologic drug the model leaves out, e.g. infliximab), '
            'disease_name (a model DISEASE widened to the knowledge-base name around it, "migraine with aura"), '
            'annotation_rate (a DISEASE added or re-cut by how BC5CDR train annotates the phrase, "acute hepatitis" '
            '-> "hepatitis"), consistency (a drug name the document tags elsewhere, repeated where the model missed it), or '
            "adverse_effect_tagger (an ADVERSE_EFFECT span)",
            False,
        ),
        _f(
            "abbreviation_of", pa.string(), "Long form text when the mention is an abbreviation defined in the document"
        ),
        _f("concept_id", pa.string(), "Linked concept: MESH:D..., HP:..., DOID:..., OMIM:..., DRUGBANK:DB..."),
        _f(
            "concept_ids",
            pa.list_(pa.string()),
            "Every concept the mention names, concept_id first: two or more for a coordination "
            "sharing a head ('renal or hepatic toxicity'), else [concept_id]; null when unlinked",
        ),
        _f("concept_name", pa.string(), "Preferred name of the linked concept"),
        _f("ontology", pa.string(), "Vocabulary of concept_id: MESH, HPO, DOID, OMIM, DRUGBANK"),
        _f(
            "drug_classes",
            pa.list_(pa.string()),
            "MeSH pharmacological actions of the linked concept (drug classes: 'Anticoagulants', "
            "'Anti-Bacterial Agents'); null when it has none",
        ),
        _f(
            "mesh_tree_numbers",
            pa.list_(pa.string()),
            "MeSH tree numbers of the linked descriptor ('D03.383.663.283.446.520.914'); null when not a descriptor",
        ),
        _f("link_score", pa.float32(), "Linker confidence in 0-1"),
        _f("negated", pa.bool_(), "Mention is negated in its sentence (e.g. 'without X')", False),
        _f("uncertain", pa.bool_(), "Mention is hypothetical or uncertain (e.g. 'suspected X', 'rule out X')", False),
        _f("model_version", pa.string(), "NER model (and linker) version that produced the row", False),
    ]
)

RELATIONS = pa.schema(
    [
        _f("doc_id", pa.string(), "Document id", False),
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("relation_id", pa.string(), "Relation id, unique within the document: <doc_id>#r<n>", False),
        _f("type", pa.string(), "drug_adverse_event, drug_treats_disease or disease_manifestation", False),
        _f("head_entity_id", pa.string(), "Head entity (the drug, or the disease)", False),
        _f("tail_entity_id", pa.string(), "Tail entity (the adverse event, treated disease or manifestation)", False),
        _f("head_text", pa.string(), "Head mention text", False),
        _f("tail_text", pa.string(), "Tail mention text", False),
        _f(
            "tail_phrase",
            pa.string(),
            "drug_adverse_event: the adverse event as stated, i.e. the ADVERSE_EFFECT span over the tail when the "
            "effect tagger found one ('lithium intoxication'), else the tail mention widened over the severity, course, "
            "extent and site words the ADE corpus counts as part of an effect ('severe hepatitis', 'methotrexate "
            "toxicity'); equal to tail_text when nothing qualifies it; null for other types and older models",
        ),
        _f("tail_phrase_start", pa.int32(), "Start offset of tail_phrase in documents.text"),
        _f("tail_phrase_end", pa.int32(), "End offset (exclusive) of tail_phrase in documents.text"),
        _f("head_concept_id", pa.string(), "Head concept id, when linked"),
        _f(
            "tail_concept_id",
            pa.string(),
            "Tail concept id, when linked; a drug_adverse_event names MeSH's drug-induced form of it where there is "
            "one (Psychotic Disorders -> Psychoses, Substance-Induced; data/drug_induced), any other type the plain "
            "disease of a drug-induced concept unless the mention says induced (entities keeps the linker's concept)",
        ),
        _f(
            "head_drug_classes",
            pa.list_(pa.string()),
            "Drug classes of the head chemical: its entities.drug_classes (MeSH pharmacological actions, "
            "'Bone Density Conservation Agents'); null when it has none or the head is a disease",
        ),
        _f("sentence_index", pa.int32(), "Evidence sentence number", False),
        _f(
            "evidence",
            pa.string(),
            "Evidence sentence text: the one sentence holding both the head and the tail mention (a pair made only "
            "across sentences is not a relations row; see document_relations.cross_sentence)",
            False,
        ),
        _f("evidence_start", pa.int32(), "Evidence start offset in documents.text", False),
        _f("evidence_end", pa.int32(), "Evidence end offset (exclusive) in documents.text", False),
        _f("score", pa.float32(), "Confidence in 0-1", False),
        _f("negated", pa.bool_(), "The evidence negates the relation (e.g. 'X did not cause Y')", False),
        _f("method", pa.string(), "rules or model", False),
        _f("model_version", pa.string(), "Relation model or rule-set version", False),
    ]
)

DOCUMENT_RELATIONS = pa.schema(
    [
        _f("doc_id", pa.string(), "Document id", False),
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("type", pa.string(), "Relation type", False),
        _f(
            "head_concept_id",
            pa.string(),
            "Head concept (or normalized text when unlinked); a mention naming several concepts "
            "(entities.concept_ids) gives a row for each",
            False,
        ),
        _f(
            "tail_concept_id",
            pa.string(),
            "Tail concept (or normalized text when unlinked); a mention naming several concepts "
            "(entities.concept_ids: 'hemorrhagic cystitis' -> Hemorrhage, Cystitis) gives a row for each, with the "
            "same evidence; a drug_adverse_event names MeSH's drug-induced form of it where there is one (Psychotic "
            "Disorders -> Psychoses, Substance-Induced; data/drug_induced), any other type the plain disease of a "
            "drug-induced concept unless the mention says induced; a disease_manifestation's head likewise.  A "
            "drug_adverse_event disease with a more specific form (a MeSH descendant) reported for the same drug in "
            "the document has no row here, as BC5CDR keys its CID pairs; a sentence stating it keeps its relations row",
            False,
        ),
        _f(
            "head_drug_classes",
            pa.list_(pa.string()),
            "Drug classes of the head concept (entities.drug_classes: MeSH pharmacological actions); null when it "
            "has none.  Adverse events per class: unnest it and GROUP BY (README)",
        ),
        _f("head_text", pa.string(), "Head mention text of the best evidence", False),
        _f("tail_text", pa.string(), "Tail mention text of the best evidence", False),
        _f(
            "tail_phrase",
            pa.string(),
            "drug_adverse_event: the adverse event as stated in the best evidence (relations.tail_phrase)",
        ),
        _f("score", pa.float32(), "Best score over the supporting sentences", False),
        _f(
            "n_sentences",
            pa.int32(),
            "Number of sentences that state the pair (relations rows); 0 when cross_sentence",
            False,
        ),
        _f(
            "cross_sentence",
            pa.bool_(),
            "The pair is made only across sentences: no single sentence names both concepts, so there is no "
            "relations row; evidence is then the text from the start of the first mention's sentence to the end "
            "of the second mention's sentence (both mentions inside it, with whatever lies between): the mention "
            "in the sentence the pair is read from and the other concept's nearest mention in another sentence; "
            "null in outputs written before this column existed",
        ),
        _f("best_relation_id", pa.string(), "relation_id of the best evidence; null when cross_sentence"),
        _f(
            "head_entity_id",
            pa.string(),
            "entities.entity_id of the best evidence's head mention (same-sentence and cross_sentence rows alike: "
            "its offsets lie inside the evidence and its text is head_text); null in outputs written before this "
            "column existed",
        ),
        _f(
            "tail_entity_id",
            pa.string(),
            "entities.entity_id of the best evidence's tail mention (its text is tail_text); null in outputs written "
            "before this column existed",
        ),
        _f(
            "evidence",
            pa.string(),
            "Best evidence: a sentence holding both mentions, or the span of sentences holding them when cross_sentence",
            False,
        ),
        _f("evidence_start", pa.int32(), "Best evidence start offset in documents.text", False),
        _f("evidence_end", pa.int32(), "Best evidence end offset (exclusive) in documents.text", False),
        _f(
            "negated",
            pa.bool_(),
            "All supporting sentences negate the relation; when cross_sentence, every tail mention the pair is made "
            "from is negated (entities.negated: 'There was no evidence of haemolysis')",
            False,
        ),
        _f("model_version", pa.string(), "Relation model or rule-set version", False),
    ]
)

#: ``concept_pairs`` spans every batch: it is stored as the single partition ``batch_id=all``.
CORPUS_BATCH = "all"

CONCEPT_PAIRS = pa.schema(
    [
        _f("batch_id", pa.string(), "Always 'all': the table is rebuilt over every batch of the output folder", False),
        _f("type", pa.string(), "Relation type (as relations.type)", False),
        _f(
            "head_concept_id",
            pa.string(),
            "Head concept (or normalized text when unlinked), as document_relations",
            False,
        ),
        _f(
            "tail_concept_id",
            pa.string(),
            "Tail concept (or normalized text when unlinked), as document_relations",
            False,
        ),
        _f(
            "head_name",
            pa.string(),
            "Preferred name of the head concept, else the head mention of the best evidence",
            False,
        ),
        _f(
            "tail_name",
            pa.string(),
            "Preferred name of the tail concept, else the tail mention of the best evidence",
            False,
        ),
        _f(
            "head_drug_classes",
            pa.list_(pa.string()),
            "Drug classes of the head concept (document_relations.head_drug_classes of the best evidence)",
        ),
        _f("head_text", pa.string(), "Head mention text of the best evidence", False),
        _f(
            "tail_text",
            pa.string(),
            "Tail as stated in the best evidence: relations.tail_phrase when set, else the mention",
            False,
        ),
        _f("n_documents", pa.int32(), "Documents with the pair (document_relations rows)", False),
        _f(
            "n_negated_documents",
            pa.int32(),
            "Of those, documents where the pair is negated (document_relations.negated)",
            False,
        ),
        _f(
            "n_sentence_documents",
            pa.int32(),
            "Of those, documents where a sentence asserts the pair (document_relations.cross_sentence and negated "
            "false): the documents an analyst can check in one sentence, which the report ranks and counts by (null "
            "in tables built before this column)",
        ),
        _f(
            "sentence_doc_ids",
            pa.list_(pa.string()),
            "Document ids of those n_sentence_documents documents, sorted (null in tables built before this column)",
        ),
        _f("n_sentences", pa.int32(), "Supporting sentences over all documents", False),
        _f("first_year", pa.int32(), "Earliest publication year of those documents (null when none is known)"),
        _f("last_year", pa.int32(), "Latest publication year of those documents"),
        _f("pmids", pa.list_(pa.string()), "PubMed ids of those documents, sorted", False),
        _f("doc_ids", pa.list_(pa.string()), "Document ids of those documents, sorted", False),
        _f("score", pa.float32(), "Best score over the documents", False),
        _f(
            "evidence",
            pa.string(),
            "Best evidence: not negated first, then stated within one sentence, then highest score, then doc_id",
            False,
        ),
        _f("evidence_doc_id", pa.string(), "Document of the best evidence", False),
        _f("evidence_relation_id", pa.string(), "relations.relation_id of the best evidence; null when cross-sentence"),
        _f(
            "evidence_cross_sentence",
            pa.bool_(),
            "The best evidence is a cross-sentence span (document_relations.cross_sentence): no document asserts the "
            "pair within one sentence; head and tail offsets are those of the mentions it joins "
            "(document_relations.head_entity_id / tail_entity_id); null in tables built before this column",
        ),
        _f("evidence_start", pa.int32(), "Best evidence start offset in documents.text", False),
        _f("evidence_end", pa.int32(), "Best evidence end offset (exclusive) in documents.text", False),
        _f("head_start", pa.int32(), "Head mention start offset in documents.text (best evidence)"),
        _f("head_end", pa.int32(), "Head mention end offset (exclusive)"),
        _f(
            "tail_start",
            pa.int32(),
            "Tail start offset in documents.text: the tail_phrase when there is one, else the mention",
        ),
        _f("tail_end", pa.int32(), "Tail end offset (exclusive)"),
        _f(
            "evidence_negated",
            pa.bool_(),
            "The best evidence negates the relation (only when every document does)",
            False,
        ),
    ]
)

REJECTS = pa.schema(
    [
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("source", pa.string(), "Input file (and position) the problem was found in", False),
        _f("doc_id", pa.string(), "Document id when known"),
        _f("stage", pa.string(), "Stage that rejected it: ingest, clean, ner, relations", False),
        _f("reason", pa.string(), "Stable reason code (see extract.rejects.REASONS)", False),
        _f("detail", pa.string(), "Human-readable explanation", False),
    ]
)

RUNS = pa.schema(
    [
        _f("run_id", pa.string(), "Id of the pipeline run (shared by the stages of one `run`)", False),
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("stage", pa.string(), "ingest, clean, ner or relations", False),
        _f("started_at", pa.timestamp("us", tz="UTC"), "Stage start", False),
        _f("finished_at", pa.timestamp("us", tz="UTC"), "Stage end", False),
        _f("status", pa.string(), "completed, completed_with_rejects or failed", False),
        _f("n_in", pa.int64(), "Rows the stage read", False),
        _f("n_out", pa.int64(), "Rows the stage wrote to its main table", False),
        _f("n_rejected", pa.int64(), "Rejects rows the stage wrote", False),
        _f("code_version", pa.string(), "biomed-extract version (and git commit when known)", False),
        _f("model_version", pa.string(), "Model(s) the stage used"),
        _f("detail", pa.string(), "JSON with stage-specific counts (e.g. deleted PMIDs)"),
    ]
)

FILES = pa.schema(
    [
        _f("path", pa.string(), "Input file as given on the command line or found in the watched folder", False),
        _f("batch_id", pa.string(), "Ingest batch", False),
        _f("sha256", pa.string(), "sha256 of the file bytes; the watcher skips files whose hash it has seen", False),
        _f("size_bytes", pa.int64(), "File size", False),
        _f("format", pa.string(), "Detected format (medline, pmc, pubtator, webpage, html, unknown...)", False),
        _f("n_documents", pa.int64(), "Documents ingested from the file", False),
        _f("n_rejects", pa.int64(), "Rejects rows the file produced at ingest", False),
        _f("deleted_pmids", pa.list_(pa.string()), "PMIDs named by DeleteCitation elements (MEDLINE update files)"),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "files": FILES,
    "raw_documents": RAW_DOCUMENTS,
    "documents": DOCUMENTS,
    "sentences": SENTENCES,
    "entities": ENTITIES,
    "relations": RELATIONS,
    "document_relations": DOCUMENT_RELATIONS,
    "concept_pairs": CONCEPT_PAIRS,
    "rejects": REJECTS,
    "runs": RUNS,
}

# Which tables each stage owns (replaces for its batch when it runs).
STAGE_TABLES: dict[str, tuple[str, ...]] = {
    "ingest": ("files", "raw_documents"),
    "clean": ("documents", "sentences"),
    "ner": ("entities",),
    "relations": ("relations", "document_relations"),
}
STAGES: tuple[str, ...] = tuple(STAGE_TABLES)


def empty_table(name: str) -> pa.Table:
    return TABLES[name].empty_table()


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Build a table of ``name`` from row dicts, with the declared schema (missing keys -> null)."""
    schema = TABLES[name]
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.table(columns, schema=schema)


def markdown(name: str) -> str:
    """The column table of ``name`` as README.md shows it (generated from the field descriptions)."""
    lines = ["| column | type | description |", "|---|---|---|"]
    for f in TABLES[name]:
        kind = str(f.type) + ("" if f.nullable else ", not null")
        lines.append(f"| `{f.name}` | {kind} | {(f.metadata or {}).get(b'description', b'').decode()} |")
    return "\n".join(lines)
