"""Known indications: (drug, disease) concept pairs that trial and review text states as treatments.

An adverse-event reading of a drug and a disease that never share a sentence rests on the document as a
whole: both are what the abstract is about.  In the case reports of BC5CDR that is mostly a drug-induced
disease; in trial abstracts it is mostly the drug's indication — fentanyl and pain in an analgesia trial,
sumatriptan and headache in a migraine trial.  :class:`IndicationTable` holds, for each concept pair, in how
many documents of a reference corpus the pipeline's same-sentence rows state it as a treatment and in how
many as an adverse event.  A pair is a *known indication* when at least ``min_documents`` documents state it
as a treatment and at least ``ratio`` times as many as state it as an adverse event (morphine -> pain: 168
documents as a treatment, 16 as an adverse event; morphine -> nausea: 1 and 14).

The extractor drops a cross-sentence adverse-event row of a known indication; a sentence that states the
adverse event itself is judged by the sentence models alone.  The table is data learned from text, not a
rule list: it is built from pipeline outputs by :mod:`extract.training.relations.indications` and ships in
the relations model folder as ``indications.json.gz``.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ARTIFACT = "indications.json.gz"


def side_key(concept_id: str | None, text: str | None) -> str:
    """A pair side's key: its concept id, else its lower-cased mention text (an unlinked "pylori infection")."""
    return concept_id or (text or "").lower().strip()


@dataclass
class IndicationTable:
    """``counts``: (drug key, disease key) -> (treatment documents, adverse-event documents); a key is the
    concept id, else the lower-cased mention text (:func:`side_key`)."""

    counts: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    min_documents: int = 3
    ratio: float = 3.0
    source: str = ""

    def is_indication(self, drug_key: str | None, disease_key: str | None) -> bool:
        if not drug_key or not disease_key:
            return False
        treats, adverse = self.counts.get((drug_key, disease_key), (0, 0))
        return treats >= self.min_documents and treats >= self.ratio * adverse

    def __len__(self) -> int:
        return len(self.counts)

    def save(self, path: Path) -> None:
        """Write the table as gzipped JSON (atomically: a temporary file renamed into place)."""
        path = Path(path)
        payload = {
            "min_documents": self.min_documents,
            "ratio": self.ratio,
            "source": self.source,
            "columns": ["drug_key", "disease_key", "treatment_documents", "adverse_event_documents"],
            "pairs": [[d, t, n_t, n_a] for (d, t), (n_t, n_a) in sorted(self.counts.items())],
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        os.close(fd)
        try:
            # No file name and no time in the gzip header: the same table gives the same bytes.
            with open(tmp, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh:
                fh.write(json.dumps(payload, indent=0, ensure_ascii=False).encode("utf-8"))
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: Path) -> IndicationTable:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            payload = json.load(fh)
        counts = {(d, t): (int(n_t), int(n_a)) for d, t, n_t, n_a in payload["pairs"]}
        return cls(counts, int(payload["min_documents"]), float(payload["ratio"]), payload.get("source", ""))
