"""Text with highlighted spans, as displaCy renders entities, and the page around it.

``render_spans`` hands displaCy (``style="ent"``, manual mode) a text and
non-overlapping spans; ``evidence_html`` renders one relation's evidence
sentence: every entity of the sentence in a muted colour, the relation's head
and tail in strong colours with their role as label.  ``page`` wraps a body in
a complete HTML document whose CSS is inline, so a report is one file that
opens anywhere without a network.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from urllib.parse import quote

from spacy import displacy

#: Relation type -> (heading, head role, tail role): the words a reader sees.
RELATION_ROLES = {
    "drug_adverse_event": ("Adverse events", "DRUG", "ADVERSE EVENT"),
    "drug_treats_disease": ("Treatments", "DRUG", "TREATED"),
    "disease_manifestation": ("Manifestations", "DISEASE", "MANIFESTATION"),
}
SPAN_COLORS = {
    "DRUG": "#ffd27f",
    "ADVERSE EVENT": "#ff9e9e",
    "TREATED": "#a6e3b8",
    "DISEASE": "#f7c59f",
    "MANIFESTATION": "#d5c2f0",
    "CHEMICAL": "#cfe8f5",
    "CHEMICAL · negated": "#e6e6e6",
    "DISEASE · negated": "#e6e6e6",
    "CHEMICAL · uncertain": "#f2f2c4",
    "DISEASE · uncertain": "#f2f2c4",
}


def _non_overlapping(spans: Iterable[dict]) -> list[dict]:
    """Spans sorted by start; a span overlapping an earlier-listed (preferred) one is dropped."""
    kept: list[dict] = []
    for span in spans:
        if span["end"] <= span["start"]:
            continue
        if all(span["end"] <= k["start"] or span["start"] >= k["end"] for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: (s["start"], s["end"]))


def render_spans(text: str, spans: Iterable[dict]) -> str:
    """displaCy HTML of ``text`` with ``spans`` ({start, end, label}); earlier spans win overlaps."""
    ents = [
        {"start": s["start"], "end": s["end"], "label": s["label"]}
        for s in _non_overlapping(spans)
        if 0 <= s["start"] and s["end"] <= len(text)
    ]
    return displacy.render(
        {"text": text, "ents": ents, "title": None},
        style="ent",
        manual=True,
        page=False,
        jupyter=False,
        options={"colors": SPAN_COLORS},
    )


def evidence_html(
    rel_type: str,
    evidence: str,
    evidence_start: int,
    head: tuple | None,
    tail: tuple | None,
    entities: Iterable[dict] = (),
) -> str:
    """The evidence sentence with the relation's head and tail (document offsets) and other entities."""
    _, head_role, tail_role = RELATION_ROLES.get(rel_type, ("", "HEAD", "TAIL"))
    spans = []
    for offsets, role in ((head, head_role), (tail, tail_role)):
        if offsets and offsets[0] is not None and offsets[1] is not None:
            spans.append({"start": offsets[0] - evidence_start, "end": offsets[1] - evidence_start, "label": role})
    for ent in entities:
        spans.append(
            {"start": ent["start"] - evidence_start, "end": ent["end"] - evidence_start, "label": entity_label(ent)}
        )
    return render_spans(evidence, spans)


def entity_label(entity: dict) -> str:
    """CHEMICAL / DISEASE, marked when the mention is negated or uncertain."""
    if entity.get("negated"):
        return f"{entity['label']} · negated"
    if entity.get("uncertain"):
        return f"{entity['label']} · uncertain"
    return entity["label"]


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def pubmed_link(pmid: str, text: str) -> str:
    """A link to the PubMed page of ``pmid`` (opens in a new tab; only followed when clicked)."""
    url = f"https://pubmed.ncbi.nlm.nih.gov/{quote(str(pmid), safe='')}/"
    return f'<a class="pubmed" href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0;
       color: #222; background: #f6f7f9; font-size: 14px; }
header { background: #23395b; color: #fff; padding: 16px 32px; }
header h1 { margin: 0 0 4px 0; font-size: 22px; }
header p { margin: 0; opacity: 0.85; }
main { padding: 16px 32px 48px 32px; max-width: 1400px; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 12px 20px; margin: 16px 0; }
h2 { font-size: 18px; margin: 6px 0 10px 0; }
h3 { font-size: 15px; margin: 12px 0 6px 0; }
.note { color: #666; font-size: 12px; margin: 4px 0 8px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 10px 16px; min-width: 110px; }
.card .n { font-size: 22px; font-weight: bold; }
.card .what { color: #666; font-size: 12px; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; margin-top: 14px; }
.plots figure { margin: 0; flex: 1 1 320px; max-width: 440px; }
.plots svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #eceef1; }
th { background: #f0f2f5; font-size: 12px; text-transform: uppercase; letter-spacing: 0.03em; color: #444; }
td.num, th.num { text-align: right; white-space: nowrap; }
.pair { min-width: 140px; max-width: 240px; }
.mention { color: #777; font-size: 12px; }
.id { color: #888; font-size: 11px; font-family: monospace; }
.entities { line-height: 2.3 !important; font-size: 13px; }
.status-failed { color: #b00020; font-weight: bold; }
.status-completed_with_rejects { color: #9a6700; }
input[type=search] { font-size: 14px; padding: 6px 10px; width: 360px; border: 1px solid #bbb; border-radius: 4px; }
code { background: #f0f2f5; padding: 1px 4px; border-radius: 3px; }
nav { margin-top: 6px; }
nav a { color: #fff; margin-right: 16px; }
header code { background: rgba(255, 255, 255, 0.15); color: #fff; }
"""


def page(title: str, subtitle: str, body: str, script: str = "", nav: str = "") -> str:
    """A complete HTML document: inline CSS, optional inline script, no external resource."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>"
        f"<header><h1>{esc(title)}</h1><p>{subtitle}</p>{nav}</header>\n<main>{body}</main>"
        + (f"<script>{script}</script>" if script else "")
        + "</body></html>\n"
    )
