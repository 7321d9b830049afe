"""The components that run after NER; importing this module registers their factories.

Their order and settings live in ``configs/ner_stage.cfg`` (built by
:func:`extract.ner.pipeline.build_ner_nlp`); the factories' defaults are the same settings:

0. ``extract_span_edges`` — dangling punctuation tokens taken off a mention's edges ("CP" for the model's "CP/"
   of "(CP/CPPS)", ``extract.ner.span_edges``);
   ``extract_mention_noise`` — mentions that name no chemical or disease (numbers, statistics, trial ids,
   pronouns, rating scales) dropped right after the model (``extract.ner.noise``);
   ``extract_place_names`` — mentions that name a place ("Nigeria", "Afghanistan": MeSH geographic locations)
   dropped (``extract.ner.place_names``; needs ``<shared>/vocab/mesh``);
   ``extract_genus_initials`` — "H. pylori infection" instead of "pylori infection": a mention starting at a
   species epithet widened over the genus initial (``extract.ner.genus_initials``);
   ``extract_product_codes`` — "SPN-804" instead of "SPN": a CHEMICAL mention cut at a code's hyphen widened over
   the code, such a DISEASE mention ("HIT" of the scale "HIT-6") dropped (``extract.ner.product_codes``);
   ``extract_biologic_drugs`` — monoclonal antibodies, fusion proteins, interferons... that
   BC5CDR (and so the model) leaves out (``extract.ner.biologics``; needs the linker index;
   off with ``BIOMED_EXTRACT_BIOLOGIC_DRUGS=false``);
   ``extract_disease_names`` — "migraine with aura" instead of "migraine" + "aura": a disease
   mention widened to the longest knowledge-base disease name around it, and the clinical signs of
   ``ner/sign_names.tsv`` ("Gottron papules") tagged where the model missed them (``extract.ner.disease_names``;
   needs the linker index);
   ``extract_annotation_rates`` — DISEASE mentions of words BC5CDR's training split never annotates alone are
   dropped, and disease names it annotates (nearly) always are added where the model missed them
   (``extract.ner.annotation_rates``, counts in ``data/annotation_rates/``);
   ``extract_label_consistency`` — a drug name the document tags once is tagged wherever its words recur
   outside an entity (``extract.ner.consistency``);
   ``extract_drug_classes`` — "calcium channel blockers" instead of the BC5CDR-style
   "calcium" (``extract.ner.drug_classes``; off with ``BIOMED_EXTRACT_DRUG_CLASSES=false``); after the repeated names,
   so that a drug name repeated before a class head is widened too ("angiotensin" of "angiotensin II receptor blockers");
   ``extract_class_words`` — drug-class words no entity overlaps ("beta-blockers", "antihypertensives") as CHEMICAL
   mentions of their MeSH class (``extract.ner.class_words``; needs the linker index; left out unless
   ``BIOMED_EXTRACT_CLASS_WORDS=true``);
1. ``extract_abbreviations`` — short forms take the label (and, via the linker,
   the concept) of their long form; missed short forms become entities;
2. ``extract_linker`` — only when a ``models/linker-*`` folder (or the folder named by
   ``settings.linker_index``) exists; otherwise linking is skipped with a warning;
   ``extract_adverse_effects`` — adverse effects as the ADE corpus annotates them, as ``ADVERSE_EFFECT`` spans
   beside the entities (``extract.ner.adverse_effects``; the newest ``models/ade-effects-*``);
3. ``extract_context`` — ``negated`` / ``uncertain`` flags.
"""

from __future__ import annotations

from extract.context import abbreviations, negation  # noqa: F401  (extract_abbreviations, extract_context)
from extract.linking import linker  # noqa: F401  (extract_linker)
from extract.ner import (  # noqa: F401  (their factories)
    adverse_effects,
    annotation_rates,
    biologics,
    class_words,
    consistency,
    disease_names,
    drug_classes,
    genus_initials,
    noise,
    place_names,
    product_codes,
    span_edges,
)
