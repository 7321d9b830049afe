"""Map a function over chunks of work in forked worker processes that share loaded models.

The NER and relation stages hold large loaded objects (spaCy pipeline, linker index, relation
models).  Workers forked from the stage's process inherit them copy-on-write, so nothing is
pickled or loaded again (nmslib indexes cannot be pickled at all).  Only the chunks go to the
workers and only plain results come back.  ``gc.freeze()`` from before the fork until the
workers have exited keeps the garbage collector (theirs and ours) from writing to, and so
copying, the shared objects' pages.  Each worker limits BLAS/OpenMP to one thread: the
parallelism is the processes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import math
import multiprocessing as mp
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from extract.nlp.inference_ops import one_thread

T = TypeVar("T")
R = TypeVar("R")

#: The function a worker applies to each chunk (set by :func:`_init_worker`, inherited by fork).
_WORKER_FUNC: Callable[[Any], Any] | None = None


def _init_worker(func: Callable[[Any], Any]) -> None:
    global _WORKER_FUNC
    _WORKER_FUNC = func


#: A worker trims its C heap (:func:`trim_heap`) each time it has processed this many more items.
TRIM_EVERY_ITEMS = 500
_items_since_trim = 0


def _run_chunk(chunk: Any) -> Any:
    global _items_since_trim
    assert _WORKER_FUNC is not None, "worker started without a function"
    with one_thread():
        result = _WORKER_FUNC(chunk)
    _items_since_trim += len(chunk)
    if _items_since_trim >= TRIM_EVERY_ITEMS:
        _items_since_trim = 0
        trim_heap()
    return result


def workers_available() -> bool:
    """Whether this process can fork workers: the fork start method exists and this process is not
    itself a daemonic worker (e.g. of a Dask cluster), which may not have children."""
    return "fork" in mp.get_all_start_methods() and not mp.current_process().daemon


def chunk_size(n_items: int, n_process: int, largest: int, smallest: int = 8) -> int:
    """Items per task: at most ``largest``, but at least two tasks per worker so the last task does
    not leave a core idle for long."""
    return max(smallest, min(largest, math.ceil(n_items / (n_process * 2))))


class WorkerPool:
    """``n_process`` workers forked once, then used for any number of :meth:`map` calls.

    A stage opens one pool for the whole batch (not one per chunk), so the workers are forked
    once, keep what they have cached (the linker's lookups, the relation memo) from chunk to
    chunk, and the pages they share with this process are copied at most once.  ``func`` is
    inherited by the workers, never pickled; each chunk's items and results are pickled.
    ``gc.freeze()`` holds from the fork until :meth:`close`.  Raises ``RuntimeError`` where
    processes cannot be forked.
    """

    def __init__(self, func: Callable[[list[T]], list[R]], n_process: int):
        if not workers_available():
            raise RuntimeError("cannot fork workers here (no 'fork' start method, or a daemonic process)")
        self.n_process = n_process
        self._executor = ProcessPoolExecutor(
            max_workers=n_process, mp_context=mp.get_context("fork"), initializer=_init_worker, initargs=(func,)
        )
        gc.freeze()
        self._closed = False

    def map(self, items: Sequence[T], size: int) -> list[R]:
        """``func`` over ``items`` in chunks of ``size``; the results in order.  A worker failure propagates."""
        chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
        return [result for chunk_results in self._executor.map(_run_chunk, chunks) for result in chunk_results]

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._executor.shutdown(wait=True, cancel_futures=True)
            finally:
                gc.unfreeze()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused inside the block (as it was after it).

    For a block that allocates many objects which outlive it or hold no cycle (a batch's document views, a worker
    task's features): each 700 new objects start a collection, and every few of them a full one, which traverses
    every object of the process, the loaded models' included (~0.1 s with the relation models loaded, at one call
    in three of building 500 abstracts' views), and finds nothing to free.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The C library, once looked up by :func:`trim_heap` (``False``: no ``malloc_trim`` here).
_LIBC = None


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc ``malloc_trim``; elsewhere a no-op).

    glibc keeps the memory a process frees (spaCy docs, model activations, a chunk's rows) resident
    for reuse: a NER worker's RSS stood 45-110 MB above its trimmed size 1,000 documents after a trim,
    and its trimmed size stayed a flat 996-1,055 MB from 1,000 to 5,000 documents (benchmarks/README.md).
    """
    global _LIBC
    if _LIBC is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        except OSError:
            libc = None
        _LIBC = libc if hasattr(libc, "malloc_trim") else False
    if _LIBC:
        _LIBC.malloc_trim(0)


def release_memory() -> None:
    """Collect garbage and hand free memory back to the system: Arrow's pool and the C heap
    (:func:`trim_heap`).

    After a process drops large objects (a stage's models, the tables of its chunks) their memory is
    free inside the process but mostly still resident: the allocators keep freed pages.  Releasing it
    makes the process (and any worker forked from it afterwards) that much smaller.
    """
    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    trim_heap()


def fork_map(func: Callable[[list[T]], list[R]], items: Sequence[T], n_process: int, size: int) -> list[R]:
    """``func`` over ``items`` in chunks of ``size``, in ``n_process`` workers forked for this call; results in order.

    For one call; a stage that maps many chunks keeps a :class:`WorkerPool` open instead.
    Raises ``RuntimeError`` where processes cannot be forked; any worker failure propagates,
    so callers can fall back to one process.
    """
    with WorkerPool(func, n_process) as pool:
        return pool.map(items, size)
