"""biomed-extract: biomedical literature to analyst-ready Parquet tables.

The library has no Prefect import: every stage is a plain function over
documents or Arrow tables.  ``pipelines/`` wraps them as Prefect flows.
"""

__version__ = "0.1.0"
