"""Build ``data/short_forms/unlabeled_short_forms.json.gz``: short forms papers define, and the concept they name.

A document that writes "LDL-C", "TB" or "CCB" without defining it leaves the linker only the letters.  Across the
unlabeled trial and review text of ``shared/unlabeled/`` most such short forms are defined somewhere ("low-density
lipoprotein cholesterol (LDL-C)"), which is how dictionaries of biomedical abbreviations are built (ADAM, Ab3P):
this module finds every definition with the NER stage's own detector (Schwartz & Hearst, scispaCy;
:class:`extract.context.abbreviations.AbbreviationPropagator`, on the pipeline's tokenizer), counts each (short form,
long form) once per document, links every long form with the shipped linker under both labels (by name only:
:data:`NAMING_METHODS`), and keeps a short form for a label when

* at least :data:`MIN_DOCUMENTS` documents define it and
* one concept is named by at least :data:`MIN_SHARE` of them (of *all* its definitions, any label: "PE" is
  pulmonary embolism, physical examination and pre-eclampsia, so it is left out).

The linker (:mod:`extract.linking.short_forms`) links a mention the table holds, when its document does not define
it and nothing else linked it.  Documents of the relation audit, of the seventh judged draw and of the development splits
(:data:`EXCLUDE`, :data:`DEV_SPLITS`) are left out, so the table reads nothing a measure is taken on.  No labels are read.
Run ``python -m extract.training.short_forms`` to rebuild it (about ten minutes on two cores).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from extract.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

OUT = PROJECT_ROOT / "data" / "short_forms" / "unlabeled_short_forms.json.gz"
FORMAT = "short-forms/1"
#: Unlabeled sources read (``shared/unlabeled/<folder>/<file>``): one document per line, ``ID<TAB>text``.
SOURCES = (
    "sysrev_drug_reviews/abstracts.txt.gz",
    "ebmnlp_rct_abstracts/abstracts.txt.gz",
    "evidence_inference/abstracts.txt.gz",
)
#: Id lists whose documents are left out: the relation audit and the seventh draw, the two measures of the relation
#: tables on this text (the other draws are training sources).  Paths relative to the project root.
EXCLUDE = (
    "data/gold/relation_audit/audit_ids.txt",
    "data/gold/relation_annotations/source_ids_7.txt",
)
#: A short form is kept when at least this many documents define it ...
MIN_DOCUMENTS = 3
#: ... and this share of them name one concept.
MIN_SHARE = 0.8
LABELS = ("CHEMICAL", "DISEASE")
#: Link methods that name the long form's concept (:class:`extract.linking.linker.LinkResult`): a long form the
#: linker reaches only by similarity or by its head ("patient-controlled analgesia" as a DISEASE, "long-term
#: depression", a trial's name) names nothing the table may rest on.
NAMING_METHODS = frozenset({"exact", "mesh_name", "organism", "composite"})


def read_documents(shared: Path, exclude: set[str]) -> Iterator[tuple[str, str]]:
    """(id, text) of the unlabeled sources, each id once, none of ``exclude``."""
    seen: set[str] = set()
    for source in SOURCES:
        with gzip.open(shared / "unlabeled" / source, "rt", encoding="utf-8") as handle:
            for line in handle:
                doc_id, _, text = line.rstrip("\n").partition("\t")
                if not text or doc_id in seen or doc_id in exclude:
                    continue
                seen.add(doc_id)
                yield doc_id, text


def definitions(texts: Iterable[str], batch_size: int = 256) -> Counter[tuple[str, str]]:
    """(short form, long form) -> number of documents defining it so."""
    from extract.context.abbreviations import AbbreviationPropagator
    from extract.nlp.tokenizer import make_blank_nlp

    nlp = make_blank_nlp()
    detector = AbbreviationPropagator(nlp)
    counts: Counter[tuple[str, str]] = Counter()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        detector(doc)
        counts.update({(short.text, short._.long_form.text) for short in doc._.abbreviations})
    return counts


def build_table(counts: Counter[tuple[str, str]], link) -> dict[str, dict]:
    """``"<label>\\t<short form>"`` -> {"concept_id", "documents", "named", "long_forms"} (module docstring).

    ``link(texts, label)`` links a list of long forms under a label (None where nothing links)."""
    by_short: dict[str, Counter[str]] = defaultdict(Counter)
    for (short, long_form), n in counts.items():
        by_short[short][long_form] += n
    long_forms = sorted({long_form for _, long_form in counts})
    concepts = {label: dict(zip(long_forms, link(long_forms, label))) for label in LABELS}
    table: dict[str, dict] = {}
    for short, forms in sorted(by_short.items()):
        total = sum(forms.values())
        if total < MIN_DOCUMENTS:
            continue
        for label in LABELS:
            votes: Counter[str] = Counter()
            for long_form, n in forms.items():
                concept = concepts[label][long_form]
                if concept is not None:
                    votes[concept] += n
            if not votes:
                continue
            concept, named = votes.most_common(1)[0]
            if named >= MIN_SHARE * total:
                table[f"{label}\t{short}"] = {
                    "concept_id": concept,
                    "documents": total,
                    "named": named,
                    "long_forms": [form for form, _ in forms.most_common(3)],
                }
    return table


#: Evaluation splits of ``shared/corpora/`` whose PMIDs are left out too (read from their "PMID|t|" lines).
DEV_SPLITS = (
    "bc5cdr/CDR_DevelopmentSet.PubTator.txt",
    "ncbi_disease/NCBIdevelopset_corpus.txt",
    "biored/Dev.PubTator",
    "gsc_plus_hpo/GSCplus_dev_input.PubTator",
)
_TITLE_LINE = re.compile(r"^(\d+)\|t\|", re.M)


def _excluded_ids(shared: Path) -> set[str]:
    ids: set[str] = set()
    for path in EXCLUDE:
        file = PROJECT_ROOT / path
        if file.exists():
            ids.update(line.strip().removeprefix("PMID:") for line in file.read_text().splitlines() if line.strip())
    for split in DEV_SPLITS:
        file = shared / "corpora" / split
        if file.exists():
            ids.update(_TITLE_LINE.findall(file.read_text(encoding="utf-8", errors="replace")))
    return ids


def build(out: Path = OUT, shared: Path | None = None) -> dict:
    """Read the sources, build the table, write it atomically; returns the written object."""
    from extract.ner.pipeline import get_ner_nlp

    shared = shared or get_settings().shared_dir
    exclude = _excluded_ids(shared)
    docs = list(read_documents(shared, exclude))
    log.info("%d documents (%d ids excluded)", len(docs), len(exclude))
    counts = definitions(text for _, text in docs)
    linker = get_ner_nlp().get_pipe("extract_linker")

    def link(texts: list[str], label: str) -> list[str | None]:
        results = linker.link_texts([(t, label) for t in texts])
        return [r.concept_id if r is not None and r.method in NAMING_METHODS else None for r in results]

    table = build_table(counts, link)
    data = {
        "format": FORMAT,
        "linker": linker.resources.version,
        "sources": list(SOURCES),
        "documents": len(docs),
        "excluded_ids": len(exclude),
        "min_documents": MIN_DOCUMENTS,
        "min_share": MIN_SHARE,
        "entries": table,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(json.dumps(data, indent=0, sort_keys=True).encode("utf-8"))  # no name or time: same bytes
    tmp.replace(out)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = build(args.out)
    print(f"{len(data['entries'])} short forms from {data['documents']} documents -> {args.out}")


if __name__ == "__main__":
    main()
