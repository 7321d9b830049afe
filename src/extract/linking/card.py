"""MODEL_CARD.md of a linker folder (sources, sizes, build time, evaluation figures)."""

from __future__ import annotations

import json
from pathlib import Path


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def write_model_card(folder: Path, meta: dict, evaluation: list[dict] | None = None) -> Path:
    """Write ``folder/MODEL_CARD.md`` from ``meta.json`` contents and optional evaluation results.

    ``evaluation`` is a list of :func:`extract.evaluation.link.evaluate_link` results;
    they are also stored in ``meta.json`` under ``evaluation``.
    """
    if evaluation is not None:
        meta = {**meta, "evaluation": evaluation}
        (folder / "meta.json").write_text(json.dumps(meta, indent=2))
    lines = [
        f"# Linker index {meta['version']}",
        "",
        "Entity linker knowledge base + character 3-gram TF-IDF / nmslib HNSW indexes",
        "(one per label) for `extract.linking.linker` (spaCy component `extract_linker`).",
        "Built by `extract.linking.index.build_linker_index` "
        "(`biomed-extract build-linker`, flow `pipelines/linking.py`).",
        "",
        f"- built: {meta['built_at']} in {meta['build_seconds']} s (knowledge base {meta['kb_seconds']} s)",
        f"- size on disk: {_mb(meta['size_bytes'])}",
        f"- HNSW: {meta['hnsw']}, efSearch {meta['ef_search']}",
        "",
        "## Sources (read from the shared folder, not copied)",
        "",
        "| source | figures |",
        "|---|---|",
    ]
    for name, figures in meta["sources"].items():
        shown = ", ".join(f"{k}={v}" for k, v in figures.items() if k != "path")
        where = f" (`{figures['path']}`)" if figures.get("path") else ""
        lines.append(f"| {name}{where} | {shown} |")
    lines += [
        "",
        "Training-split mention->id pairs exclude every PMID of the BC5CDR development split.",
        "No test split is used.  Ids: `MESH:`, `OMIM:`, `DOID:`, `HP:`, `DRUGBANK:`; a concept",
        "with a MeSH id is always output as MeSH (DOID/HPO/DrugBank names are merged into it).",
        "",
        "## Index sizes",
        "",
        "| label | concepts | aliases | 3-grams | nnz |",
        "|---|---|---|---|---|",
    ]
    for label, stats in meta["labels"].items():
        lines.append(f"| {label} | {stats['concepts']} | {stats['aliases']} | {stats['ngrams']} | {stats['nnz']} |")
    lines += [
        "",
        "## Linking (`extract.linking.linker`)",
        "",
        "First, a mention text BC5CDR train annotates as a composite (`composites.json.gz`: the same",
        'several ids in >= 2 occurrences and >= half of them, "hemorrhagic cystitis" -> Hemorrhage +',
        "Cystitis) links to every one of them.  Exact lookup of normalised variants (American spelling,",
        "plurals, inverted MeSH names);",
        "ties: BC5CDR-train prior, prior over all training splits, MeSH before OMIM/DOID/HPO/DrugBank,",
        'preferred name, id.  Then: coordinations sharing a head ("renal or hepatic toxicity") per',
        'conjunct; "<modifier> <generic head>" through the same modifier with another generic head',
        '("pulmonary toxicity" -> "pulmonary disease"); the ANN index; last, for diseases, the',
        'broader concept named by the head ("postoperative delirium" -> Delirium, link_score 0.8).',
        'Since the sixteenth session, for diseases: coordinations sharing a modifier ("cleft lip and',
        'palate" -> Cleft Lip + Cleft Palate); a short form the document defines written out inside',
        'the mention ("HCV infection"); in the back-off, a leading modifier that names a disease on its',
        'own (its name, or a training-corpus alias seen twice) gives a second concept ("myxedema coma" ->',
        'Coma + Myxedema; not "dystrophic calcification", one corpus mention of "dystrophic"); a disease adjective links to its',
        'noun when nothing else links ("syncopal attacks" -> Syncope).  Two words sharing only a prefix',
        'and a suffix are no edit-ratio match ("hyposialism" is not "hypogenitalism"), nor two words that',
        'begin differently ("bladder" / "gallbladder"; "re" and "pan" keep a word: "reinfarction") or two endings',
        'on one stem ("angiotensin" / "angiogenic"), endings that name other things ("thrombolysis" /',
        '"thrombosis"; a procedure ending, "hemorrhoidopexy"), or a prefix swap ("probiotics" / "prebiotics");',
        "the generic-head route needs more than one mention of a secondary training corpus, and a word of an organ",
        'or a trace keeps "depression" from backing off to Depressive Disorder ("ST segment depression").  An',
        '"<organism> infection" links to the MeSH infection its genus names ("H. pylori infection" ->',
        "Helicobacter Infections).  A short form nothing links and the document does not define takes the concept",
        "papers define it as (`data/short_forms/`, built from shared/unlabeled; link_score 0.9).",
        "A short form whose long form links nowhere keeps its own link only when it shares a word",
        "with the long form.  A coordination's first conjunct is `concept_id`; all are in `concept_ids`.",
        "MeSH is preferred (`prefer_mesh`, default `name,backoff`): a disease mention whose own concept is an",
        "HPO / DOID / OMIM term only takes the MeSH concept named by the mention in the other number or with",
        '"disease" for "disorder" ("autoimmune disorder" -> Autoimmune Diseases, link_score 0.99), else the one its',
        'head names ("metabolic alkalosis" -> Alkalosis, link_score 0.8); the `xref` route (the one MeSH concept',
        "`mesh_xrefs` cross-references the HPO term to, recorded on HPO concepts as a `MESH:` xref) is available,",
        "not on by default.",
    ]
    mesh = meta["sources"].get("mesh", {})
    if mesh.get("new_disease_descriptors"):
        lines += [
            "",
            "## MeSH disease descriptors introduced after CTD MEDIC 2017",
            "",
            "Diseases come from CTD MEDIC 2017 (MeSH as BC5CDR, 2015, annotates it), DOID and HPO; MeSH 2024's",
            f'disease descriptors that MEDIC lacks ({mesh["new_disease_descriptors"]}: "Calcinosis Cutis", '
            '"Cytokine Release',
            'Syndrome", "Opioid-Induced Constipation", "Emergence Delirium") are concepts too, with their entry terms',
            f"({mesh.get('new_disease_names', 0)} names) except those a MeSH concept already carries, so an "
            "analyst gets",
            "today's descriptor.  BC5CDR cannot hold these ids: where its 2015 annotation names the older, broader",
            'concepts ("postoperative delirium" -> Postoperative Complications + Delirium), they count as errors there.',
        ]
    equivalences = meta["sources"].get("equivalences")
    if equivalences:
        shown = ", ".join(f"{k}={v}" for k, v in equivalences.items())
        lines += [
            "",
            "## Old ids (`equivalences.json`)",
            "",
            f"Old id -> current id ({shown}): from the MeSH files' own records (a name shared by exactly",
            "one old record — a 2019 descriptor MeSH 2024 dropped, a supplementary C-number the 2024",
            "pharmacological actions no longer name — and one new 2024 descriptor) and from the training",
            "splits, pooled (BC5CDR, NCBI disease, BioRED train: a MeSH id no vocabulary defines whose",
            "linkable mentions all link to one current id).  Never from development or test annotations.",
            "The linker links to the current id (an old concept, its aliases, priors and composites are",
            "merged into it); `extract.linking.equivalence.load_equivalences(folder)` gives",
            "`current_id(old)` and `former_ids(current)`, and `evaluate --task link|cid` counts an old",
            "gold id as matched through this table only.",
        ]
    lines += ["", "## Evaluation (BC5CDR development split, document-level concept ids)", ""]
    results = evaluation if evaluation is not None else meta.get("evaluation")
    if results:
        lines += ["| mentions | label | P | R | F1 |", "|---|---|---|---|---|"]
        for result in results:
            mode = (
                "gold mentions"
                if result.get("gold_entities")
                else "end to end (NER " + str(result.get("ner", "?")) + ")"
            )
            for label, scores in result["per_label"].items():
                lines.append(
                    f"| {mode} | {label} | {scores['precision']:.3f} | {scores['recall']:.3f} | {scores['f1']:.3f} |"
                )
            lines.append(
                f"| {mode} | micro | {result['precision']:.3f} | {result['recall']:.3f} | {result['f1']:.3f} |"
            )
        lines.append("")
        lines.append(f"Documents: {results[0]['n_docs']}.  Only MeSH predictions count (as in a BC5CDR")
        lines.append("submission); `all_ids` in meta.json also counts HP/DOID/OMIM/DrugBank links as false positives.")
        ceiling = results[0].get("recall_ceiling")
        if ceiling:
            shown = ", ".join(f"{k} {v:.3f}" for k, v in ceiling.items())
            lines += [
                "",
                f"Recall ceiling (share of gold document-level MeSH ids that are concepts of this KB): {shown}.",
                "Chemical MeSH ids: MeSH 2024 descriptors and the supplementary concepts the MeSH files",
                "name, plus the training splits' ids; BC5CDR (2015) uses some supplementary C-numbers",
                "that later became descriptors, which caps chemical recall.",
            ]
    else:
        lines.append("Not evaluated yet: run `biomed-extract evaluate --task link`.")
    path = folder / "MODEL_CARD.md"
    path.write_text("\n".join(lines) + "\n")
    return path
