"""Build the tables the linker derives from its index and the MeSH 2024 terms, computed ahead so that no NER-stage
process reads the terms file (about 3 s of CPU each; :mod:`extract.linking.derived_tables`):

* ``data/class_words/mesh_class_words.json.gz`` — drug-class words and their class (:mod:`extract.linking.class_words`);
* ``data/entry_terms/mesh_disease_entry_terms.json.gz`` — MeSH entry terms of the index's diseases that it has no alias
  for (:mod:`extract.linking.entry_terms`).

Run ``python -m extract.training.linker_tables`` after a linker rebuild; the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from extract.linking.class_words import CLASS_WORDS
from extract.linking.derived_tables import DerivedTable
from extract.linking.entry_terms import ENTRY_TERMS
from extract.linking.index import load_linker_resources
from extract.settings import get_settings, resolve_model_dir
from extract.vocab.files import VocabFiles

TABLES: dict[str, DerivedTable] = {"class-words": CLASS_WORDS, "entry-terms": ENTRY_TERMS}


def build(names: tuple[str, ...] = tuple(TABLES), out_dir: Path | None = None) -> dict[str, int]:
    """Compute the tables ``names`` for the settings' linker and MeSH file and write them (``out_dir``: instead of
    their ``data/`` folders, under their file names); returns each table's number of entries."""
    settings = get_settings()
    folder = resolve_model_dir(settings.linker_index, "linker")
    if folder is None:
        raise FileNotFoundError("no linker index found (build one with `biomed-extract build-linker`)")
    resources = load_linker_resources(folder)
    terms = VocabFiles(settings.vocab_dir).mesh_terms
    counts = {}
    for name in names:
        table = TABLES[name]
        content = table.get(resources, terms, None, compute=True)
        table.save(content, resources, terms, out_dir / table.path.name if out_dir else None)
        counts[name] = len(content)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", choices=sorted(TABLES), action="append", help="one table (default: all)")
    parser.add_argument("--out-dir", type=Path, default=None, help="write here instead of data/")
    args = parser.parse_args()
    for name, n in build(tuple(args.table or TABLES), args.out_dir).items():
        where = args.out_dir / TABLES[name].path.name if args.out_dir else TABLES[name].path
        print(f"{name}: {n} entries -> {where}")


if __name__ == "__main__":
    main()
