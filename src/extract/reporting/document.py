"""One document as displaCy-style HTML (``biomed-extract show DOC_ID``), for checking a model by eye.

The cleaned text with every entity highlighted (negated and uncertain mentions
marked in their label), then the entities with their concepts and flags, then
the relations with their evidence sentence, head and tail highlighted, then the
pairs the document states only across sentences (``document_relations`` rows
with ``cross_sentence``), the mentions their ``head_entity_id`` / ``tail_entity_id`` name
highlighted (in outputs written before those columns: the nearest mentions with
the head and tail texts).  Reads
the document's batch only; when a document was ingested in several batches
the last batch (in sorted order) is shown and the others are named.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from extract import store
from extract.reporting.concept_pairs import nearest_mentions
from extract.reporting.spans import RELATION_ROLES, entity_label, esc, evidence_html, page, pubmed_link, render_spans


class DocumentNotFoundError(LookupError):
    """No batch of the output folder has the document."""


def _batches_with(out: Path, doc_id: str) -> list[str]:
    found = []
    for batch in store.list_batches(out, "documents"):
        ids = store.read_partition(out, "documents", batch).column("doc_id")
        if pc.any(pc.equal(ids, doc_id)).as_py():
            found.append(batch)
    return found


def _rows_of(out: Path, table: str, batch: str, doc_id: str) -> list[dict]:
    rows = store.read_partition(out, table, batch)
    return rows.filter(pc.equal(rows.column("doc_id"), doc_id)).to_pylist()


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _entities_table(entities: list[dict]) -> str:
    rows = []
    for e in entities:
        flags = ", ".join(f for f in ("negated", "uncertain") if e[f])
        concepts = ", ".join(e["concept_ids"] or ([e["concept_id"]] if e["concept_id"] else []))
        rows.append(
            f'<tr><td class="num">{e["start"]}–{e["end"]}</td><td><b>{esc(e["text"])}</b>'
            + (
                f'<br><span class="mention">abbreviation of “{esc(e["abbreviation_of"])}”</span>'
                if e["abbreviation_of"]
                else ""
            )
            + f'</td><td>{esc(e["label"])}</td><td class="id">{esc(concepts)}</td>'
            f"<td>{esc(e['concept_name'])}</td>"
            f'<td class="num">{_score(e["link_score"])}</td>'
            f"<td>{esc(flags)}</td><td>{esc(e['method'])}</td><td>{esc(e['section'])}</td></tr>"
        )
    return (
        '<table><thead><tr><th class="num">offsets</th><th>mention</th><th>label</th><th>concept</th>'
        '<th>name</th><th class="num">link score</th><th>flags</th><th>method</th><th>section</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _pair_rows(rows: list[tuple[dict, str, str | None]]) -> str:
    """A table of relation rows: (row, its evidence as HTML, its method or None when the table has no method column)."""
    with_method = any(method is not None for _, _, method in rows)
    cells = []
    for r, evidence, method in rows:
        cells.append(
            f"<tr><td>{esc(RELATION_ROLES.get(r['type'], (r['type'],))[0])}</td>"
            f'<td class="pair"><b>{esc(r["head_text"])}</b><br><span class="id">'
            f'{esc(r["head_concept_id"])}</span></td><td class="pair"><b>{esc(r["tail_phrase"] or r["tail_text"])}'
            f'</b><br><span class="id">{esc(r["tail_concept_id"])}</span></td>'
            f'<td class="num">{r["score"]:.2f}</td><td>{"negated" if r["negated"] else ""}</td>'
            + (f"<td>{esc(method)}</td>" if with_method else "")
            + f"<td>{evidence}</td></tr>"
        )
    return (
        '<table><thead><tr><th>type</th><th>head</th><th>tail</th><th class="num">score</th><th>negated</th>'
        + ("<th>method</th>" if with_method else "")
        + f"<th>evidence</th></tr></thead><tbody>{''.join(cells)}</tbody></table>"
    )


def _relations_table(relations: list[dict], entities: dict[str, dict]) -> str:
    rows = []
    for r in sorted(relations, key=lambda r: (r["type"], -r["score"], r["relation_id"])):
        head, tail = entities.get(r["head_entity_id"], {}), entities.get(r["tail_entity_id"], {})
        tail_span = (
            (r["tail_phrase_start"], r["tail_phrase_end"])
            if r["tail_phrase_start"] is not None
            else (tail.get("start"), tail.get("end"))
        )
        evidence = evidence_html(
            r["type"], r["evidence"], r["evidence_start"], (head.get("start"), head.get("end")), tail_span
        )
        rows.append((r, evidence, r["method"]))
    return _pair_rows(rows)


def _cross_sentence_table(pairs: list[dict], entities: list[dict]) -> str:
    by_id = {e["entity_id"]: e for e in entities}
    rows = []
    for r in sorted(pairs, key=lambda r: (r["type"], -r["score"], r["head_concept_id"], r["tail_concept_id"])):
        head, tail = _evidence_mentions(r, by_id, entities)
        rows.append((r, evidence_html(r["type"], r["evidence"], r["evidence_start"], head, tail), None))
    return _pair_rows(rows)


def _evidence_mentions(row: dict, by_id: dict[str, dict], entities: list[dict]) -> tuple[tuple, tuple]:
    """``((head start, end), (tail start, end))`` of a document relation's best evidence: the entities its
    ``head_entity_id`` / ``tail_entity_id`` name; in outputs written before those columns, the nearest mentions with
    its head and tail texts."""
    if row.get("head_entity_id") is None or row.get("tail_entity_id") is None:
        return nearest_mentions(entities, row) or ((None, None), (None, None))
    head, tail = by_id.get(row["head_entity_id"], {}), by_id.get(row["tail_entity_id"], {})
    return (head.get("start"), head.get("end")), (tail.get("start"), tail.get("end"))


def render_document(out: Path, doc_id: str) -> str:
    """The HTML page of ``doc_id`` in ``out``; raises ``DocumentNotFoundError`` when no batch has it."""
    out = Path(out)
    batches = _batches_with(out, doc_id)
    if not batches:
        raise DocumentNotFoundError(
            f"document {doc_id!r} is in no batch of {out} (ids look like PMID:123, "
            "PMC:456 or sha256:...; see the documents table)"
        )
    batch = batches[-1]
    doc = _rows_of(out, "documents", batch, doc_id)[0]
    entities = sorted(_rows_of(out, "entities", batch, doc_id), key=lambda e: (e["start"], e["end"]))
    relations = _rows_of(out, "relations", batch, doc_id)
    cross = [r for r in _rows_of(out, "document_relations", batch, doc_id) if r.get("cross_sentence")]
    text_html = render_spans(
        doc["text"], [{"start": e["start"], "end": e["end"], "label": entity_label(e)} for e in entities]
    )
    meta = [
        ("document", doc_id),
        ("batch", batch),
        ("source", doc["source"]),
        ("journal", doc["journal"]),
        ("year", doc["year"]),
        ("PMID", doc["pmid"]),
        ("DOI", doc["doi"]),
    ]
    if len(batches) > 1:
        meta.append(("also in batches", ", ".join(batches[:-1])))
    meta_html = " · ".join(f"{esc(k)} <code>{esc(v)}</code>" for k, v in meta if v is not None)
    if doc["pmid"]:
        meta_html += f" · {pubmed_link(doc['pmid'], 'PubMed')}"
    n_negated = sum(1 for e in entities if e["negated"])
    body = (
        f'<section id="text"><h2>{esc(doc["title"] or doc_id)}</h2><p class="note">{meta_html}</p>'
        f"{text_html}</section>"
        f'<section id="entities"><h2>Entities ({len(entities)}, {n_negated} negated)</h2>'
        f"{_entities_table(entities)}</section>"
        f'<section id="relations"><h2>Relations ({len(relations)})</h2>'
        f"{_relations_table(relations, {e['entity_id']: e for e in entities})}</section>"
        f'<section id="cross-sentence"><h2>Pairs stated across sentences ({len(cross)})</h2>'
        f"{_cross_sentence_table(cross, entities)}</section>"
    )
    versions = sorted({e["model_version"] for e in entities} | {r["model_version"] for r in relations})
    subtitle = f"{esc(doc_id)} · models {esc(', '.join(versions) or 'none')}"
    return page(f"biomed-extract · {doc_id}", subtitle, body)


def show_page_name(doc_id: str) -> str:
    """The file name ``show`` writes the page of ``doc_id`` under by default: ``show-PMID_12345.html``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in doc_id)
    return f"show-{safe}.html"


def write_document(out: Path, doc_id: str, html_path: Path | None = None) -> Path:
    """Write the page of ``doc_id`` (default ``out/show-<doc id>.html``); returns its path."""
    target = Path(html_path) if html_path else Path(out) / show_page_name(doc_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_document(out, doc_id)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
