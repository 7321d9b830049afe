"""Build ``data/class_words/mesh_class_words.json.gz``: the drug-class words of the shipped linker, computed ahead.

The stage's linker links a class word the NER model tagged ("calcium antagonists", "beta-blockers") to its MeSH class
(:mod:`extract.linking.class_words`).  The forms come from the MeSH 2024 terms file and the linker index; reading the
terms costs about 3 s of CPU in every process of the NER stage, so the forms are computed once here and read from
the table (which records the linker version and the terms file's name and size; a table of another index or file is
not used and the forms are computed as before).  Run ``python -m extract.training.class_words`` after a linker
rebuild; the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from extract.linking.class_words import DEFAULT_CLASS_WORDS, class_word_forms, save_class_words, source_of
from extract.linking.index import load_linker_resources
from extract.settings import get_settings, resolve_model_dir
from extract.vocab.files import VocabFiles


def build(out: Path = DEFAULT_CLASS_WORDS) -> int:
    """Compute the forms for the settings' linker and MeSH file, write them; returns their number."""
    settings = get_settings()
    folder = resolve_model_dir(settings.linker_index, "linker")
    if folder is None:
        raise FileNotFoundError("no linker index found (build one with `biomed-extract build-linker`)")
    resources = load_linker_resources(folder)
    terms = VocabFiles(settings.vocab_dir).mesh_terms
    forms = class_word_forms(resources, terms, compute=True)
    save_class_words(forms, source_of(resources, terms), out)
    return len(forms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_CLASS_WORDS)
    args = parser.parse_args()
    print(f"{build(args.out)} class-word forms -> {args.out}")


if __name__ == "__main__":
    main()
