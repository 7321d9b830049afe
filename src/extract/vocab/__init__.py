"""Readers of the shared vocabularies (``Settings.vocab_dir``), one module per source.

* :mod:`extract.vocab.files` — standard file locations and gz-aware opening;
* :mod:`extract.vocab.ctd` — CTD MEDIC diseases;
* :mod:`extract.vocab.obo` — OBO ontologies (HPO ``hp.obo``, Disease Ontology);
* :mod:`extract.vocab.hpo_annotations` — HPO disease -> phenotype annotations;
* :mod:`extract.vocab.drugbank` — DrugBank open vocabulary and DrugBank cross-references;
* :mod:`extract.vocab.mesh` — MeSH descriptors, entry terms, trees, pharmacological actions, xrefs.

Readers take a path and yield small records in file order; what to keep is the caller's
decision.  This is a bottom-layer package: it imports only ``extract.settings`` and the
standard library.
"""
