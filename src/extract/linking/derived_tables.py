"""Tables the linker derives from its index and a vocabulary file, computed ahead and shipped under ``data/``.

Reading a vocabulary file such as the MeSH 2024 terms (264,000 rows) costs about 3 s of CPU, paid in every process
of the NER stage if a table were computed at load time.  A table is therefore computed once by a build command,
written as gzip JSON with what it was computed from (:func:`source_of`: the linker version and the file's name and
size), and read back only when that still holds (:func:`load_table`); otherwise the caller computes it afresh and
logs why.  The same input gives the same bytes (sorted keys, no timestamp in the gzip header), and a write is atomic.
Used by the drug-class words (:mod:`extract.linking.class_words`) and the MeSH entry terms of diseases
(:mod:`extract.linking.entry_terms`).
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["DerivedTable", "load_table", "save_table", "source_of"]

#: The command that writes every table of this kind (``extract.training.linker_tables``).
REBUILD = "python -m extract.training.linker_tables"


def source_of(resources, vocab_path: Path) -> dict:
    """What a table was computed from: the linker version and the vocabulary file's name and size."""
    vocab_path = Path(vocab_path)
    return {"linker": resources.version, "mesh_terms": vocab_path.name, "mesh_terms_bytes": vocab_path.stat().st_size}


def save_table(path: Path, fmt: str, source: dict, payload: dict) -> None:
    """Write ``payload`` (a JSON object's members) with its ``format`` and ``source``, atomically."""
    data = {"format": fmt, **source, **payload}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(json.dumps(data, indent=0, sort_keys=True).encode("utf-8"))
    tmp.replace(path)


def load_table(path: Path, fmt: str, resources, vocab_path: Path, rebuild: str) -> dict | None:
    """The table at ``path`` when it has format ``fmt`` and was computed from this index and vocabulary file, else
    None (``rebuild``: the command that writes it, named in the warning)."""
    if not path.is_file() or not Path(vocab_path).is_file():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    if data.get("format") != fmt or any(data.get(k) != v for k, v in source_of(resources, vocab_path).items()):
        log.warning(
            "%s was computed from another linker or MeSH file: computing it again; rebuild it with `%s`", path, rebuild
        )
        return None
    return data


class DerivedTable:
    """One kind of table: its file, format, how it is computed from the index and the vocabulary file, and how its
    saved payload is read back.  :meth:`get` gives it once per index and file (a process-wide cache)."""

    _lock = threading.Lock()
    _cache: dict[tuple, Any] = {}

    def __init__(
        self,
        path: Path,
        fmt: str,
        compute: Callable[[Any, Path], Any],
        to_payload: Callable[[Any], dict],
        from_payload: Callable[[dict], Any],
    ) -> None:
        self.path, self.fmt = path, fmt
        self.compute, self.to_payload, self.from_payload = compute, to_payload, from_payload

    def get(self, resources, vocab_path: Path, saved: Path | None, compute: bool = False) -> Any:
        """The table: the one saved at ``saved`` (None: none) when it was computed from this index and file, else
        computed (``compute=True``: always)."""
        key = (self.fmt, str(Path(resources.folder).resolve()), str(vocab_path), str(saved), compute)
        with self._lock:
            found = self._cache.get(key)
            if found is None:
                use = saved is not None and not compute
                data = load_table(saved, self.fmt, resources, vocab_path, REBUILD) if use else None
                found = self.from_payload(data) if data is not None else self.compute(resources, Path(vocab_path))
                self._cache[key] = found
        return found

    def save(self, table: Any, resources, vocab_path: Path, out: Path | None = None) -> None:
        save_table(out or self.path, self.fmt, source_of(resources, vocab_path), self.to_payload(table))
