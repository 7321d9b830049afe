"""Build ``data/drug_induced/mesh_drug_induced.json``: a MeSH disease -> its drug-induced form.

MeSH indexes a condition a chemical caused under the drug-induced heading where one exists (Dyskinesia,
Drug-Induced; Psychoses, Substance-Induced; Chemical and Drug Induced Liver Injury), and BC5CDR, curated by CTD
with MeSH, keys its chemical-induced disease pairs the same way (BC5CDR train: of the 34 CID pairs whose disease is
one of the four parents this builds or its drug-induced form, 31 use the form).  The relation stage reports a
``drug_adverse_event``'s disease under that form (:mod:`extract.relations.drug_induced`).

An entry is a MeSH 2024 descriptor of the C or F trees whose name says it is drug-, substance- or chemically
induced, and its immediate tree parent, when the parent is no pathologic process (C23.550) and shares a word with
the rest of the child's name (the first five letters: "Psychotic Disorders" / "Psychoses"); a parent with several
such children is left out.  Run ``python -m extract.training.drug_induced`` to rebuild it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from extract.settings import PROJECT_ROOT
from extract.vocab.files import vocab_files
from extract.vocab.mesh import read_mesh_tree_numbers

OUT = PROJECT_ROOT / "data" / "drug_induced" / "mesh_drug_induced.json"
_INDUCED = re.compile(r"\b(?:drug|substance|chemically)[- ]induced\b|\bchemical and drug induced\b", re.I)
_WORD = re.compile(r"[a-z]{5,}")


def _stems(name: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(_INDUCED.sub(" ", name.lower()))}


def drug_induced_forms(mesh_trees: Path) -> dict[str, dict[str, str]]:
    """``MESH:<parent>`` -> {"id": ``MESH:<child>``, "parent_name", "name"} (see the module docstring)."""
    names: dict[str, str] = {}
    trees: dict[str, list[str]] = defaultdict(list)
    at: dict[str, str] = {}
    for row in read_mesh_tree_numbers(mesh_trees):
        names[row.descriptor_id] = row.descriptor_name
        trees[row.descriptor_id].append(row.tree_number)
        at[row.tree_number] = row.descriptor_id
    children: dict[str, set[str]] = defaultdict(set)
    for child, numbers in trees.items():
        if not _INDUCED.search(names[child]):
            continue
        for number in numbers:
            if number[0] not in "CF" or "." not in number:
                continue
            parent_number = number.rsplit(".", 1)[0]
            parent = at.get(parent_number)
            if (
                parent is None
                or _INDUCED.search(names[parent])
                or parent_number.startswith("C23.550")
                or not _stems(names[parent]) & _stems(names[child])
            ):
                continue
            children[parent].add(child)
    return {
        f"MESH:{parent}": {"id": f"MESH:{child}", "parent_name": names[parent], "name": names[child]}
        for parent, found in sorted(children.items())
        if len(found) == 1
        for child in found
    }


def main() -> None:
    forms = drug_induced_forms(vocab_files().mesh_trees)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "about": "MeSH disease -> its drug-induced form, for drug_adverse_event rows (extract.training.drug_induced)",
        "source": "mtrees2024.tsv.gz",
        "forms": forms,
    }
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n")
    tmp.replace(OUT)
    print(f"{len(forms)} forms -> {OUT}")


if __name__ == "__main__":
    main()
