"""Ingestion: files, folders and globs of PubMed/MEDLINE XML, PMC JATS, PubTator, text and HTML pages."""

from extract.ingest.stage import IngestResult, default_batch_id, ingest_paths

__all__ = ["IngestResult", "default_batch_id", "ingest_paths"]
