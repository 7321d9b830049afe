"""Task runner choice for the flows: local threads (default) or a Dask cluster (prefect-dask)."""

from __future__ import annotations

from prefect.task_runners import ThreadPoolTaskRunner

TASK_RUNNERS = ("local", "dask")


def make_task_runner(name: str = "local", dask_address: str | None = None, workers: int | None = None):
    """``local``: one worker thread (spaCy models are not shared across threads).

    ``dask``: prefect-dask's DaskTaskRunner on the cluster at ``dask_address``
    (e.g. ``tcp://scheduler:8786``), or on a local cluster of ``workers``
    processes when no address is given.  Each Dask worker loads its own models.
    """
    if name == "local":
        return ThreadPoolTaskRunner(max_workers=1)
    if name == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:  # optional dependency
            raise RuntimeError("the dask task runner needs prefect-dask: pip install 'biomed-extract[dask]'") from exc
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers or 2,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    raise ValueError(f"unknown task runner {name!r}; choose one of {', '.join(TASK_RUNNERS)}")
