"""Matrix-multiplication backend and BLAS/OpenMP threads for trained models at inference.

spaCy's models compute on thinc's ``NumpyOps``, whose ``gemm`` goes through the ``blis``
package by default.  On the reference machine (AMD EPYC, 2 cores) numpy's own BLAS
(OpenBLAS) does the same products in about two thirds of the time, and the NER output over
the 500 BC5CDR development abstracts is identical (benchmarks/README.md, "NER").  thinc
documents both paths (``NumpyOps(use_blis=False)`` delegates to numpy); we choose one per
loaded pipeline, never globally.

OpenBLAS and OpenMP (scikit-learn's gradient boosting) start threads of their own; the stages
parallelise over documents with processes instead, so :func:`one_thread` keeps each process to
one BLAS/OpenMP thread.  On small per-batch matrices more threads only cost: the NER model was
slower with two BLAS threads, and the relation stage's per-document gradient-boosting calls took
from 1.3 to 11 s of wall time for 200 abstracts with OpenMP threads (spinning while another
process held the second core) against a steady 1.25 s with one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from spacy.language import Language
from thinc.api import NumpyOps

Gemm = Literal["numpy", "blis"]


def use_gemm(nlp: Language, gemm: Gemm) -> None:
    """Make every thinc model node of ``nlp``'s trainable components compute on ``gemm``."""
    if gemm not in ("numpy", "blis"):
        raise ValueError(f"unknown gemm backend {gemm!r} (numpy or blis)")
    ops = NumpyOps(use_blis=gemm == "blis")
    for _, component in nlp.components:  # disabled ones too: a component may run another's model
        inner = getattr(component, "tagger", None)  # a component that runs a pipeline of its own (the effect tagger)
        if isinstance(inner, Language):
            use_gemm(inner, gemm)
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if isinstance(node.ops, NumpyOps):
                node.ops = ops


@contextmanager
def one_thread() -> Iterator[None]:
    """Limit the BLAS and OpenMP thread pools of this process to one thread inside the block."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
