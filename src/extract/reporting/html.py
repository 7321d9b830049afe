"""The self-contained HTML report of an output folder (``biomed-extract report``).

One file, no network: inline CSS, a few lines of inline JavaScript (the pair
filter), figures as inline SVG (``plots``), evidence sentences as displaCy
markup (``spans``).  What an analyst asks first comes first: the corpus in
numbers and figures, then the top adverse-event, treatment and manifestation
pairs of ``concept_pairs`` with their best evidence, the drugs with the most
adverse events, and the runs and rejects behind the tables.

A pair counts where an analyst can check it in one sentence: the pair tables
and the drugs rank by ``concept_pairs.n_sentence_documents`` and list only
pairs a sentence states; the pairs made only across sentences (a drug and a
disease named in different sentences, far less often right) have their own
section, with the precision measured for them.  Each evidence names its
document, linked to its ``show`` page when one was written next to the report
(``biomed-extract show``) and to PubMed when the document has a PMID.

Everything embedded is capped (``TOP_PAIRS`` pairs per type, ``TOP_DRUGS``
drugs, ``MAX_RUNS`` runs, ``REJECT_EXAMPLES`` examples per reason), so the
file stays small and opens fast whatever the number of documents; the full
tables are in the output folder.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from extract import store
from extract.reporting import plots
from extract.reporting.concept_pairs import build_concept_pairs, read_concept_pairs
from extract.reporting.document import show_page_name
from extract.reporting.spans import RELATION_ROLES, esc, evidence_html, page, pubmed_link
from extract.schemas import ENTITY_LABELS, empty_table

TOP_PAIRS = 100
TOP_CROSS_SENTENCE_PAIRS = 50
TOP_DRUGS = 50
MAX_RUNS = 40
REJECT_EXAMPLES = 3

#: What an analyst measured of the pairs made only across sentences, shown with them: (relation type, judged,
#: right, where).  Fifteenth session's analyst QA (issue 14) of 300 drug-review abstracts: every adverse-event
#: concept pair whose evidence was a cross-sentence span, against 17 of 20 same-sentence adverse-event rows.
CROSS_SENTENCE_PRECISION = {
    "drug_adverse_event": (47, 15, "an analyst QA of 300 drug-review abstracts, against 17 of 20 same-sentence rows"),
}

FILTER_SCRIPT = """
document.getElementById('filter').addEventListener('input', function (event) {
  var query = event.target.value.trim().toLowerCase();
  document.querySelectorAll('tr[data-search]').forEach(function (row) {
    row.style.display = (!query || row.getAttribute('data-search').indexOf(query) !== -1) ? '' : 'none';
  });
});
"""


@dataclass
class ReportData:
    """What the report shows, read once from the output folder."""

    out: Path
    documents: pa.Table
    entities: pa.Table
    relations: pa.Table
    runs: pa.Table
    rejects: pa.Table
    pairs: pa.Table
    pairs_stored: bool
    #: doc_id -> PMID, and doc_id -> href of its ``show`` page (relative to the report) where one exists
    pmids: dict[str, str] = field(default_factory=dict)
    show_pages: dict[str, str] = field(default_factory=dict)


def _read(out: Path, name: str, columns: list[str]) -> pa.Table:
    return store.read_table(out, name).select(columns)


def load_report_data(out: Path, html_path: Path | None = None) -> ReportData:
    """What the report of ``out`` shows; ``html_path``: where it will be written (default ``out/report.html``), for
    the links to the ``show`` pages."""
    out = Path(out)
    try:
        pairs = read_concept_pairs(out)
    except ValueError:  # written by a version with other required columns: rebuilt below
        pairs = empty_table("concept_pairs")
    stored = pairs.num_rows > 0 or not store.list_batches(out, "document_relations")
    if stored and pairs.num_rows and pairs.column("n_sentence_documents").null_count:
        stored = False  # built before the single-sentence counts: rebuilt below
    if not stored:  # `summarize` has not run (or is outdated): build it in memory, write nothing
        pairs = build_concept_pairs(out)
    documents = _read(out, "documents", ["doc_id", "batch_id", "year", "n_sentences", "pmid"])
    doc_ids = documents.column("doc_id").to_pylist()
    pmids = {d: p for d, p in zip(doc_ids, documents.column("pmid").to_pylist()) if p}
    return ReportData(
        out=out,
        documents=documents,
        entities=_read(out, "entities", ["doc_id", "start", "end", "label", "negated", "uncertain"]),
        relations=_read(out, "relations", ["type", "score"]),
        runs=store.read_table(out, "runs"),
        rejects=store.read_table(out, "rejects"),
        pairs=pairs,
        pairs_stored=stored,
        pmids=pmids,
        show_pages=_show_pages(out, Path(html_path) if html_path else out / "report.html", set(doc_ids)),
    )


def _show_pages(out: Path, html_path: Path, doc_ids) -> dict[str, str]:
    """doc_id -> href (relative to the report) of the ``show`` pages written in ``out`` under their default name."""
    names = {path.name for path in out.glob("show-*.html")}
    if not names:
        return {}
    folder = os.path.relpath(out.resolve(), html_path.resolve().parent)
    pages = {}
    for doc_id in doc_ids:
        name = show_page_name(doc_id)
        if name in names:
            pages[doc_id] = quote(name if folder == "." else Path(folder, name).as_posix())
    return pages


def _document_links(data: ReportData, doc_id: str) -> str:
    """The document id, linked to its ``show`` page when there is one, and a link to PubMed when it has a PMID."""
    shown = esc(doc_id)
    if doc_id in data.show_pages:
        shown = f'<a class="show" href="{esc(data.show_pages[doc_id])}">{shown}</a>'
    pmid = data.pmids.get(doc_id)
    return shown + (f" · {pubmed_link(pmid, 'PubMed')}" if pmid else "")


def _cards(data: ReportData) -> str:
    n_docs = len(set(data.documents.column("doc_id").to_pylist()))
    cards = [
        ("batches", len(set(data.documents.column("batch_id").to_pylist()))),
        ("documents", n_docs),
        ("sentences", pc.sum(data.documents.column("n_sentences")).as_py() or 0),
        ("entities", data.entities.num_rows),
        ("relations", data.relations.num_rows),
        ("concept pairs", data.pairs.num_rows),
        ("rejects", data.rejects.num_rows),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="n">{n:,}</div><div class="what">{esc(what)}</div></div>'
            for what, n in cards
        )
        + "</div>"
    )


def _figures(data: ReportData) -> str:
    labels = Counter(data.entities.column("label").to_pylist())
    label_counts = {label: labels.get(label, 0) for label in ENTITY_LABELS}
    label_counts.update({k: v for k, v in sorted(labels.items()) if k not in label_counts})
    scores: dict[str, list[float]] = defaultdict(list)
    for rel_type, score in zip(data.relations.column("type").to_pylist(), data.relations.column("score").to_pylist()):
        scores[rel_type].append(score)
    ordered_scores = {k: scores[k] for k in RELATION_ROLES if k in scores}
    ordered_scores.update({k: v for k, v in sorted(scores.items()) if k not in ordered_scores})
    year_of = dict(zip(data.documents.column("doc_id").to_pylist(), data.documents.column("year").to_pylist()))
    years = Counter(year_of.values())
    figures = [
        plots.entities_by_label(label_counts),
        plots.relations_by_type_and_score(ordered_scores),
        plots.documents_by_year(years),
    ]
    return '<div class="plots">' + "".join(f"<figure>{svg}</figure>" for svg in figures) + "</div>"


def _evidence_entities(data: ReportData, pairs: list[dict]) -> dict[str, list[dict]]:
    """Entities of the documents whose sentences the report shows, by doc_id (one row per span)."""
    doc_ids = sorted({p["evidence_doc_id"] for p in pairs})
    if not doc_ids:
        return {}
    mask = pc.is_in(data.entities.column("doc_id"), value_set=pa.array(doc_ids, pa.string()))
    by_doc: dict[str, dict[tuple[int, int], dict]] = defaultdict(dict)
    for ent in data.entities.filter(mask).to_pylist():
        by_doc[ent["doc_id"]].setdefault((ent["start"], ent["end"]), ent)
    return {doc_id: sorted(spans.values(), key=lambda e: (e["start"], e["end"])) for doc_id, spans in by_doc.items()}


def _years(pair: dict) -> str:
    first, last = pair["first_year"], pair["last_year"]
    if first is None:
        return ""
    return str(first) if first == last else f"{first}–{last}"


def _name_cell(name: str, mention: str, concept_id: str) -> str:
    shown = f"<b>{esc(name)}</b>"
    if mention and mention.lower() != (name or "").lower():
        shown += f'<br><span class="mention">“{esc(mention)}”</span>'
    return shown + f'<br><span class="id">{esc(concept_id)}</span>'


def _pair_rows(data: ReportData, pairs: list[dict], entities_by_doc: dict[str, list[dict]], counts) -> str:
    """Table rows of ``pairs``; ``counts(pair)``: the HTML of its documents cell."""
    rows = []
    for p in pairs:
        start, end = p["evidence_start"], p["evidence_end"]
        sentence_entities = [
            e for e in entities_by_doc.get(p["evidence_doc_id"], []) if start <= e["start"] and e["end"] <= end
        ]
        evidence = evidence_html(
            p["type"],
            p["evidence"],
            start,
            (p["head_start"], p["head_end"]),
            (p["tail_start"], p["tail_end"]),
            sentence_entities,
        )
        search = " ".join(
            [p["head_name"], p["head_text"], p["head_concept_id"], p["tail_name"], p["tail_text"], p["tail_concept_id"]]
        ).lower()
        rows.append(
            f'<tr data-search="{esc(search)}">'
            f'<td class="pair">{_name_cell(p["head_name"], p["head_text"], p["head_concept_id"])}</td>'
            f'<td class="pair">{_name_cell(p["tail_name"], p["tail_text"], p["tail_concept_id"])}</td>'
            f'<td class="num">{counts(p)}</td><td class="num">{p["n_sentences"]:,}</td>'
            f'<td class="num">{_years(p)}</td><td class="num">{p["score"]:.2f}</td>'
            f'<td>{evidence}<span class="id">{_document_links(data, p["evidence_doc_id"])}{_across(p)}</span></td></tr>'
        )
    return "".join(rows)


def _across(pair: dict) -> str:
    """A note on evidence made across sentences (no document states the pair within one sentence)."""
    return " · across sentences" if pair.get("evidence_cross_sentence") else ""


def _sentence_counts(pair: dict) -> str:
    """Documents where a sentence states the pair; below, the documents that only pair it across sentences and
    those that negate it."""
    others = []
    across = pair["n_documents"] - pair["n_sentence_documents"] - pair["n_negated_documents"]
    if across:
        others.append(f"+{across:,} across sentences")
    if pair["n_negated_documents"]:
        others.append(f"{pair['n_negated_documents']:,} negated")
    extra = f'<br><span class="mention">{esc(", ".join(others))}</span>' if others else ""
    return f"{pair['n_sentence_documents']:,}{extra}"


def _cross_counts(pair: dict) -> str:
    negated = f'<br><span class="mention">{pair["n_negated_documents"]:,} negated</span>'
    return f"{pair['n_documents']:,}" + (negated if pair["n_negated_documents"] else "")


def _table(head_role: str, tail_role: str, documents: str, body: str) -> str:
    return (
        f"<table><thead><tr><th>{esc(head_role.lower())}</th><th>{esc(tail_role.lower())}</th>"
        f'<th class="num">{esc(documents)}</th><th class="num">sentences</th><th class="num">years</th>'
        f'<th class="num">best score</th><th>best evidence</th></tr></thead><tbody>{body}</tbody></table>'
    )


def _by_sentence_documents(pair: dict) -> tuple:
    """Rank of a pair a sentence states: documents where one does, then all documents, then best score."""
    return (
        -pair["n_sentence_documents"],
        -pair["n_documents"],
        -pair["score"],
        pair["head_concept_id"],
        pair["tail_concept_id"],
    )


def _split_pairs(data: ReportData) -> tuple[dict[str, list[dict]], dict[str, list[dict]], dict[str, int]]:
    """Per relation type: the pairs a sentence states (most such documents first, :func:`_by_sentence_documents`),
    the asserted pairs made only across sentences (in ``concept_pairs`` order: most documents, best score first),
    and the number of pairs."""
    stated: dict[str, list[dict]] = defaultdict(list)
    across: dict[str, list[dict]] = defaultdict(list)
    totals: Counter = Counter()
    for p in data.pairs.to_pylist():
        totals[p["type"]] += 1
        if p["n_sentence_documents"]:
            stated[p["type"]].append(p)
        elif p["n_documents"] > p["n_negated_documents"]:
            across[p["type"]].append(p)
    for pairs in stated.values():
        pairs.sort(key=_by_sentence_documents)
    return stated, across, totals


def _pair_sections(data: ReportData) -> str:
    stated, across, totals = _split_pairs(data)
    shown = {t: stated[t][:TOP_PAIRS] for t in RELATION_ROLES}
    shown_across = {t: across[t][:TOP_CROSS_SENTENCE_PAIRS] for t in RELATION_ROLES}
    entities_by_doc = _evidence_entities(data, [p for ps in (*shown.values(), *shown_across.values()) for p in ps])
    sections = []
    for rel_type, (heading, head_role, tail_role) in RELATION_ROLES.items():
        pairs = shown[rel_type]
        note = (
            f"Top {len(pairs):,} of the {len(stated[rel_type]):,} pairs ({rel_type}) a sentence states, of "
            f"{totals[rel_type]:,} pairs: by documents where one sentence states the pair (not negated), then all "
            "documents, then best score. Pairs that every document negates, and the "
            f"{len(across[rel_type]):,} pairs made only across sentences (listed apart, below), are left out. Best "
            "evidence sentence, with the head and tail highlighted."
        )
        if not pairs:
            body = '<p class="note">No pairs of this type stated within one sentence.</p>'
        else:
            rows = _pair_rows(data, pairs, entities_by_doc, _sentence_counts)
            body = _table(head_role, tail_role, "documents (one sentence)", rows)
        sections.append(
            f'<section id="{rel_type}"><h2>{esc(heading)}</h2><p class="note">{esc(note)}</p>{body}</section>'
        )
    return "".join(sections) + _cross_sentence_section(data, shown_across, across, entities_by_doc)


def _cross_sentence_section(data: ReportData, shown: dict, across: dict, entities_by_doc: dict) -> str:
    """The asserted pairs no sentence states, per type, with what was measured of them."""
    parts = []
    for rel_type, (heading, head_role, tail_role) in RELATION_ROLES.items():
        pairs = shown[rel_type]
        if not pairs:
            continue
        measured = CROSS_SENTENCE_PRECISION.get(rel_type)
        precision = (
            f"Measured: {measured[1]} of {measured[0]} such pairs right ({measured[1] / measured[0]:.2f}), in "
            f"{measured[2]}."
            if measured
            else "Their precision has not been measured."
        )
        note = (
            f"Top {len(pairs):,} of {len(across[rel_type]):,} pairs ({rel_type}), by documents, then best score. "
            + precision
        )
        body = _table(head_role, tail_role, "documents", _pair_rows(data, pairs, entities_by_doc, _cross_counts))
        parts.append(
            f'<h3 id="cross-{rel_type}">{esc(heading)} made only across sentences</h3>'
            f'<p class="note">{esc(note)}</p>{body}'
        )
    intro = (
        "Pairs that no sentence states: the head and the tail are named in different sentences of each document "
        "(document_relations.cross_sentence). They are often wrong (an indication, a complication of the disease "
        "treated, a comparator), so they are not counted in the tables above nor in the drugs below; check the "
        "evidence span, from the first mention's sentence to the second's, before using one."
    )
    if not parts:
        parts.append('<p class="note">No pair is made only across sentences.</p>')
    return (
        '<section id="cross-sentence"><h2>Pairs made only across sentences (unverified)</h2>'
        f'<p class="note">{esc(intro)}</p>{"".join(parts)}</section>'
    )


def _drug_section(data: ReportData) -> str:
    """Per drug: how many distinct adverse events a sentence states, in how many such documents, and the most
    reported ones (pairs made only across sentences are not counted)."""
    drugs: dict[str, dict] = {}
    for p in sorted(data.pairs.to_pylist(), key=_by_sentence_documents):
        if p["type"] != "drug_adverse_event" or not p["n_sentence_documents"]:
            continue
        drug = drugs.setdefault(p["head_concept_id"], {"name": p["head_name"], "docs": set(), "events": []})
        drug["docs"].update(p["sentence_doc_ids"])
        drug["events"].append(p)
    ranked = sorted(drugs.items(), key=lambda kv: (-len(kv[1]["docs"]), -len(kv[1]["events"]), kv[0]))[:TOP_DRUGS]
    if not ranked:
        return ""
    rows = []
    for concept_id, drug in ranked:
        events = drug["events"][:8]  # most documents stating them first
        listed = ", ".join(f"{esc(e['tail_name'])} ({e['n_sentence_documents']})" for e in events)
        more = len(drug["events"]) - len(events)
        search = " ".join([drug["name"], concept_id] + [e["tail_name"] for e in drug["events"]]).lower()
        rows.append(
            f'<tr data-search="{esc(search)}"><td class="pair"><b>{esc(drug["name"])}</b><br>'
            f'<span class="id">{esc(concept_id)}</span></td><td class="num">{len(drug["events"]):,}</td>'
            f'<td class="num">{len(drug["docs"]):,}</td><td>{listed}'
            + (f" and {more:,} more" if more > 0 else "")
            + "</td></tr>"
        )
    return (
        f'<section id="drugs"><h2>Drugs with the most adverse events</h2><p class="note">Top {len(ranked)} of '
        f"{len(drugs):,} drugs by documents where a sentence states one of their adverse events (pairs made only "
        "across sentences are not counted); in brackets, such documents per event.</p>"
        '<table><thead><tr><th>drug</th><th class="num">adverse events</th><th class="num">documents</th>'
        f"<th>most reported</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _runs_section(data: ReportData) -> str:
    runs = sorted(data.runs.to_pylist(), key=lambda r: (r["started_at"], r["batch_id"], r["stage"]), reverse=True)
    rows = []
    for r in runs[:MAX_RUNS]:
        seconds = (r["finished_at"] - r["started_at"]).total_seconds()
        rows.append(
            f'<tr><td>{r["started_at"]:%Y-%m-%d %H:%M:%S}</td><td class="id">{esc(r["batch_id"])}</td>'
            f'<td>{esc(r["stage"])}</td><td class="status-{esc(r["status"])}">{esc(r["status"])}</td>'
            f'<td class="num">{seconds:,.1f}</td><td class="num">{r["n_in"]:,}</td>'
            f'<td class="num">{r["n_out"]:,}</td><td class="num">{r["n_rejected"]:,}</td>'
            f'<td class="id">{esc(r["model_version"])}</td></tr>'
        )
    note = f"The {min(len(runs), MAX_RUNS)} most recent of {len(runs):,} stage runs (UTC)."
    return (
        f'<section id="runs"><h2>Runs</h2><p class="note">{note}</p><table><thead><tr><th>started</th>'
        '<th>batch</th><th>stage</th><th>status</th><th class="num">seconds</th><th class="num">in</th>'
        '<th class="num">out</th><th class="num">rejected</th><th>model</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _rejects_section(data: ReportData) -> str:
    by_reason: dict[str, list[dict]] = defaultdict(list)
    for r in data.rejects.to_pylist():
        by_reason[r["reason"]].append(r)
    if not by_reason:
        return '<section id="rejects"><h2>Rejects</h2><p class="note">No input was rejected.</p></section>'
    rows = []
    for reason, items in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        examples = sorted(items, key=lambda r: (r["source"], r["doc_id"] or ""))[:REJECT_EXAMPLES]
        listed = "<br>".join(f'<span class="id">{esc(r["source"])}</span> {esc(r["detail"])}' for r in examples)
        stages = ", ".join(sorted({r["stage"] for r in items}))
        rows.append(
            f"<tr><td><code>{esc(reason)}</code></td><td>{esc(stages)}</td>"
            f'<td class="num">{len(items):,}</td><td>{listed}</td></tr>'
        )
    return (
        '<section id="rejects"><h2>Rejects by reason</h2><p class="note">Inputs that could not be used, with '
        f"up to {REJECT_EXAMPLES} examples each (all rows: the rejects table).</p><table><thead><tr>"
        '<th>reason</th><th>stage</th><th class="num">rows</th><th>examples</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def render_report(out: Path, html_path: Path | None = None) -> str:
    """The report of ``out`` as one HTML string; ``html_path``: where it will be written (default
    ``out/report.html``), which the links to ``show`` pages are relative to."""
    data = load_report_data(out, html_path)
    stored = "" if data.pairs_stored else " (concept_pairs built for this report: run `biomed-extract summarize`)"
    subtitle = (
        f"Output folder <code>{esc(data.out)}</code> · generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC{esc(stored)}"
    )
    nav = (
        "<nav>"
        + "".join(f'<a href="#{k}">{esc(v[0])}</a>' for k, v in RELATION_ROLES.items())
        + '<a href="#cross-sentence">Across sentences</a><a href="#drugs">Drugs</a><a href="#runs">Runs</a>'
        + '<a href="#rejects">Rejects</a></nav>'
    )
    body = (
        f'<section id="summary"><h2>Corpus</h2>{_cards(data)}{_figures(data)}</section>'
        '<section id="filter-box"><label for="filter"><b>Filter pairs and drugs</b></label> '
        '<input type="search" id="filter" placeholder="drug, disease or concept id, e.g. teriparatide">'
        '<p class="note">Keeps the rows whose head or tail (name, mention or concept id) contains the text.</p>'
        f"</section>{_pair_sections(data)}{_drug_section(data)}{_runs_section(data)}{_rejects_section(data)}"
    )
    return page("biomed-extract report", subtitle, body, script=FILTER_SCRIPT, nav=nav)


def write_report(out: Path, html_path: Path | None = None) -> Path:
    """Write the report of ``out`` (default ``out/report.html``) atomically; returns its path."""
    target = Path(html_path) if html_path else Path(out) / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_report(out, target)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
