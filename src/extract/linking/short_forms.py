"""Short forms a document uses without defining them: the concept papers define them as.

The table (``data/short_forms/unlabeled_short_forms.json.gz``, built from ``shared/unlabeled`` by
:mod:`extract.training.short_forms`) maps a short form and a label to the one concept the documents defining it
name ("CCB" -> Calcium Channel Blockers, "TB" -> Tuberculosis, "GORD" -> Gastroesophageal Reflux).  The linker
(:meth:`extract.linking.linker.EntityLinker.link_spans`) reads it for a mention nothing else linked whose document
defines no long form for it.  Keys are the short form as written (case matters: "Hb" and "HB" are other forms).
"""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

from extract.settings import PROJECT_ROOT

__all__ = ["DEFAULT_SHORT_FORMS", "ShortFormTable", "load_short_forms"]

#: The shipped table, relative to the project root.
DEFAULT_SHORT_FORMS = "data/short_forms/unlabeled_short_forms.json.gz"
FORMAT = "short-forms/1"

_LOCK = threading.Lock()
_CACHE: dict[str, ShortFormTable] = {}


class ShortFormTable:
    """``(short form, label) -> concept id`` of one table file."""

    def __init__(self, entries: dict[str, dict]) -> None:
        self._concepts = {key: entry["concept_id"] for key, entry in entries.items()}

    def __len__(self) -> int:
        return len(self._concepts)

    def concept(self, short_form: str, label: str) -> str | None:
        return self._concepts.get(f"{label}\t{short_form}")


def load_short_forms(path: str | Path) -> ShortFormTable:
    """The table at ``path`` (relative paths from the project root), loaded once per process; empty when the file is
    missing."""
    file = Path(path)
    if not file.is_absolute():
        file = PROJECT_ROOT / file
    key = str(file)
    with _LOCK:
        table = _CACHE.get(key)
        if table is None:
            entries: dict[str, dict] = {}
            if file.is_file():
                with gzip.open(file, "rt", encoding="utf-8") as handle:
                    data = json.load(handle)
                if data.get("format") != FORMAT:
                    raise ValueError(f"{file}: not a {FORMAT} table")
                entries = data["entries"]
            table = _CACHE[key] = ShortFormTable(entries)
    return table
