"""Prefect flows: thin orchestration of the library functions in ``extract``."""
