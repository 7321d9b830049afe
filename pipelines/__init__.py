"""Prefect flows: thin orchestration of the library functions in ``extract``."""

import os

# The product runs offline: the temporary Prefect server must not try to send usage telemetry
# (it logs "Failed to send telemetry" errors every few seconds without a network).  An explicit
# setting in the environment still wins.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
