"""Scheduled deployment of the watch flow (``biomed-extract serve``).

Schedules are turned into flow runs by the Prefect server's scheduler service,
which the temporary (ephemeral) server of a plain flow run does not have.  So
when no ``PREFECT_API_URL`` is configured, ``serve_watch`` starts a local
``prefect server`` on a free loopback port for as long as it serves, and stops
it on exit.  With a configured server (or Prefect Cloud) it serves against that.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from prefect.settings import PREFECT_API_URL, temporary_settings

from pipelines.flows import deaf_to_group_signals, watch_and_extract


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def prefect_api(log_path: Path | None = None, startup_timeout: float = 180) -> Iterator[str]:
    """The configured Prefect API, or a local server started for the duration of the block."""
    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    prefect_bin = Path(sys.executable).with_name("prefect")
    command = [str(prefect_bin), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    # the runner, stopping on a Ctrl-C or SIGTERM sent to the whole group, still needs the server
    with deaf_to_group_signals():
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited with code {server.returncode} (see {log_path})")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"prefect server did not answer on {url} within {startup_timeout:g} s")
            time.sleep(1)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        server.kill()  # deaf to SIGTERM
        server.wait()
        if log_path:
            log.close()


def serve_watch(
    watch_dir: str,
    out: str,
    cron: str,
    name: str = "watch",
    task_runner: str = "local",
    dask_address: str | None = None,
) -> None:
    """Serve ``watch-and-extract`` on a cron schedule in this process (blocks until interrupted)."""
    Path(out).mkdir(parents=True, exist_ok=True)
    with prefect_api(log_path=Path(out) / "prefect-server.log") as url:
        print(f"Prefect API: {url}")
        watch_and_extract.serve(
            name=name,
            cron=cron,
            parameters={"watch_dir": watch_dir, "out": out, "task_runner": task_runner, "dask_address": dask_address},
            description="Ingest and extract the files in the watched folder that no earlier run has processed.",
            tags=["biomed-extract"],
        )
