"""What an analyst opens first: the corpus-level ``concept_pairs`` table, the self-contained HTML
report of an output folder, and one document rendered with its entities and relations."""
