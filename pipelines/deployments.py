"""Scheduled deployment of the watch flow (``biomed-extract serve``)."""

from __future__ import annotations

from pipelines.flows import watch_and_extract


def serve_watch(watch_dir: str, out: str, cron: str, name: str = "watch", task_runner: str = "local",
                dask_address: str | None = None) -> None:
    """Serve ``watch-and-extract`` on a cron schedule in this process (blocks until interrupted)."""
    watch_and_extract.serve(
        name=name,
        cron=cron,
        parameters={"watch_dir": watch_dir, "out": out, "task_runner": task_runner, "dask_address": dask_address},
        description="Ingest and extract the files in the watched folder that no earlier run has processed.",
        tags=["biomed-extract"],
    )
