"""Components added after NER: drug classes, abbreviations, linking, negation/uncertainty.

``add_postprocessing`` is the single place the NER stage asks for them, so the
stage does not need to know which components exist.  Order:

0. ``extract_drug_classes`` — "calcium channel blockers" instead of the BC5CDR-style
   "calcium" (``extract.ner.drug_classes``; off with ``BIOMED_EXTRACT_DRUG_CLASSES=false``);
   ``extract_biologic_drugs`` — monoclonal antibodies, fusion proteins, interferons... that
   BC5CDR (and so the model) leaves out (``extract.ner.biologics``; needs the linker index;
   off with ``BIOMED_EXTRACT_BIOLOGIC_DRUGS=false``);
1. ``extract_abbreviations`` — short forms take the label (and, via the linker,
   the concept) of their long form; missed short forms become entities;
2. ``extract_linker`` — only when a ``models/linker-*`` folder (or the folder named by
   ``settings.linker_index``) exists; otherwise linking is skipped with a warning;
3. ``extract_context`` — ``negated`` / ``uncertain`` flags.
"""

from __future__ import annotations

import logging

from spacy.language import Language

# Importing the modules registers the factories.
import extract.context.abbreviations  # noqa: F401
import extract.context.negation  # noqa: F401
import extract.linking.linker  # noqa: F401
import extract.ner.biologics  # noqa: F401
import extract.ner.drug_classes  # noqa: F401
from extract.settings import Settings, resolve_model_dir

log = logging.getLogger(__name__)


def add_postprocessing(nlp: Language, settings: Settings) -> Language:
    """Add abbreviation, linking (if an index exists) and context components to ``nlp``.

    Idempotent: components already present are not added twice.  Components go
    after the last existing pipe (the NER component or the lexicon matcher).
    """
    if settings.drug_classes and "extract_drug_classes" not in nlp.pipe_names:
        nlp.add_pipe("extract_drug_classes")
    folder = resolve_model_dir(settings.linker_index, "linker")
    if settings.biologic_drugs and folder is not None and "extract_biologic_drugs" not in nlp.pipe_names:
        nlp.add_pipe("extract_biologic_drugs", config={"linker_path": str(folder)})
    if "extract_abbreviations" not in nlp.pipe_names:
        nlp.add_pipe("extract_abbreviations")
    if "extract_linker" not in nlp.pipe_names:
        if folder is None:
            log.warning("no linker index (models/linker-*): entities are not linked")
        else:
            nlp.add_pipe("extract_linker", config={"linker_path": str(folder)})
            # Read by extract.ner.pipeline to stamp entities.model_version.
            nlp._extract_linker_version = folder.name
    if "extract_context" not in nlp.pipe_names:
        nlp.add_pipe("extract_context")
    return nlp
