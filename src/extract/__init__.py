"""biomed-extract: biomedical literature to analyst-ready Parquet tables.

The library has no Prefect import: every stage is a plain function over
documents or Arrow tables.  ``pipelines/`` wraps them as Prefect flows.

For ad hoc use (a notebook): ``nlp = extract.load(); nlp.annotate(text)`` (see :mod:`extract.api`).
"""

from __future__ import annotations

__version__ = "0.1.0"


def load(settings=None):
    """The shipped pipeline (NER, linking, context, relations), loaded once: :func:`extract.api.load`."""
    from extract.api import load as load_pipeline  # imported on use: ``import extract`` stays light

    return load_pipeline(settings)


def annotate(text: str, *, title: str | None = None):
    """Entities and relations of ``text`` with the pipeline of :func:`load`: :meth:`extract.api.Pipeline.annotate`."""
    return load().annotate(text, title=title)
