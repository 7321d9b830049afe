"""Test session settings: Prefect state inside the project, shared data beside the repository."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # offline: no telemetry attempts
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    # ``make test`` runs two pytest-xdist workers: each its own Prefect state (its temporary servers, the CLI runs
    # it starts) rather than two sets of servers on one SQLite database
    os.environ["PREFECT_HOME"] = str(Path(os.environ["PREFECT_HOME"]) / f"xdist-{worker}")
# Prefect makes its home folder without its parents: on a fresh clone (no ``make demo`` before the tests) neither
# ``.prefect`` nor ``.prefect/xdist-gwN`` exists, and every temporary server would fail to open its database
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)

from extract.settings import get_settings, resolve_model_dir

# -- two worker processes: ``make test`` runs ``pytest -n 2 --dist loadscope`` (pytest-xdist) ---------------------
#
# Each worker is a pytest session of its own: it makes the session fixtures it needs itself.  The tests of one
# module run in one worker (its module fixtures are made once), and every test that uses one of the session
# fixtures below runs in the worker of that fixture's group, so the fixture is made once, as without xdist.
# (``--dist loadgroup`` with ``xdist_group`` marks would say the same, but pytest-xdist 3.8 ignores the marks
# under pytest 9.2: pytest-xdist issue 1386.)

#: group -> the test modules and single tests (node ids without parameters) in it
XDIST_GROUPS: dict[str, tuple[str, ...]] = {
    # tens of seconds: a CLI run with the shipped models, a parent flow run, the report
    "sample_run": (
        "tests/test_pipeline_flow.py",
        "tests/test_progress.py",
        "tests/test_reporting.py",
        "tests/test_crash_safety.py::test_failing_batch_keeps_other_batches_intact",
        "tests/test_relations_indications.py::test_table_counts_documents_of_a_real_output",
    ),
    # ~10 s: spacy.load of the shipped NER model
    "shipped_ner_model": ("tests/test_ner_stage.py", "tests/test_ner_training.py"),
}


def xdist_scope(nodeid: str) -> str:
    """The unit of work of a test under pytest-xdist: its group of ``XDIST_GROUPS``, else its module."""
    module = nodeid.split("::", 1)[0]
    test = nodeid.split("[", 1)[0]
    return next((group for group, members in XDIST_GROUPS.items() if module in members or test in members), module)


_OUT_OF_GROUP = pytest.StashKey[str]()


def pytest_collection_modifyitems(config, items) -> None:
    """A test that uses an expensive session fixture must be in its group, or xdist would make the fixture twice:
    such a test fails (``pytest_runtest_setup``) and says where to add it."""
    for item in items:
        for fixture in set(XDIST_GROUPS) & set(getattr(item, "fixturenames", ())):
            if xdist_scope(item.nodeid) != fixture:
                item.stash[_OUT_OF_GROUP] = (
                    f"{item.nodeid} uses the session fixture {fixture!r}: add it (or its module) to "
                    f"XDIST_GROUPS[{fixture!r}] in tests/conftest.py, so that pytest-xdist runs it in that group"
                )


def pytest_runtest_setup(item) -> None:
    if _OUT_OF_GROUP in item.stash:
        pytest.fail(item.stash[_OUT_OF_GROUP])


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: no error where it is not installed
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with the units of :func:`xdist_scope`, in collection order."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    # in collection order (alphabetical modules): xdist's default, the units with the most tests first, would start
    # the long units (few tests each: the CLI runs, crash safety, the Dask cluster) last
    config.option.loadscopereorder = False
    return Scheduling(config, log)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = get_settings().shared_dir
    if not path.exists():
        pytest.fail(f"shared folder {path} not found: set BIOMED_EXTRACT_SHARED_DIR")
    return path


@pytest.fixture(scope="session")
def seed_pages(shared_dir: Path) -> dict[str, Path]:
    pages = shared_dir / "samples" / "pages"
    return {
        "teriparatide": pages / "case_report_teriparatide.txt",
        "calcinosis": pages / "abstract_calcinosis_cutis.txt",
    }


# -- expensive real outputs, made once per session and shared read-only -------------------------------------
#
# Tests that change an output (re-run a stage, delete a table, tamper with a file) copy it to their
# tmp_path first (``copy_output``), so the shared folders look the same to every test in any order.


def copy_output(out: Path, target: Path) -> Path:
    """A private copy of a shared output folder, for a test that writes to it."""
    import shutil

    shutil.copytree(out, target)
    return target


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, seed_pages) -> dict:
    """One real `biomed-extract run` (CLI subprocess: its own Prefect server, the shipped models) of the
    bundled samples and the shared seed pages as batch ``seeds``; then, in this process, the parent
    flow (``extraction_pipeline``) over a second batch ``again``: a shortened copy of the teriparatide
    case report (a new document stating the same adverse event) and the calcinosis page again (the
    same document in a second batch); then `biomed-extract report` (OUT/report.html).

    Read by the flow, progress, report and show tests.  Read-only: copy it (``copy_output``) to change it.
    Keys: ``out``, ``run`` (the CLI run's CompletedProcess, stderr = its non-interactive progress lines),
    ``summary`` (what ``extraction_pipeline`` returned for ``again``), ``report`` (path of report.html).
    """
    from helpers import SAMPLES, biomed_extract
    from pipelines.flows import extraction_pipeline

    tmp = tmp_path_factory.mktemp("sample_run")
    out = tmp / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    run = biomed_extract(
        ["run", str(seed_pages["teriparatide"].parent), str(SAMPLES), "--out", str(out)] + ["--batch", "seeds"],
        env,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    # the case report's abstract alone: a document of its own stating the same adverse event
    second = tmp / "again" / "second_report.txt"
    second.parent.mkdir()
    abstract = next(
        line
        for line in seed_pages["teriparatide"].read_text(encoding="utf-8").splitlines()
        if "dystrophic calcification" in line and len(line) > 300
    )
    second.write_text(abstract + "\n", encoding="utf-8")
    # The run releases the stage's models when its stages are done: the session's, loaded here if no test has
    # yet, are remembered first and put back for the tests after it (``_keep_the_stage_models``).
    from extract.ner.pipeline import get_ner_nlp
    from extract.relations.stage import get_extractor

    get_ner_nlp(), get_extractor()
    _keep_all()
    summary = extraction_pipeline(inputs=[str(second), str(seed_pages["calcinosis"])], out=str(out), batch_id="again")
    report = biomed_extract(["report", "--out", str(out)], env)
    assert report.returncode == 0, report.stderr[-3000:]
    return {"out": out, "run": run, "summary": summary, "report": Path(report.stdout.strip().splitlines()[-1])}


# -- the stage's models, loaded once per session ------------------------------------------------------------
#
# ``get_ner_nlp()`` builds the NER stage pipeline once per process (~10 s: the model's lexicon, the linker
# index) and ``get_extractor()`` loads the relation extractor once.  An in-process run (``extraction_pipeline``,
# ``run_stage``) frees them when its stage is done (``stages.release_models``), so the next test that needed
# them loaded them again: three more NER builds per session.  Before and after each test, the pipeline, extractor and
# linker index of the session's default settings are put back into their caches if a release dropped them.
# The release itself still happens inside the tests (the runs, ``test_release_frees_the_pipeline_...``); only
# what the next test starts from changes: the objects the session loaded first, as if nothing had been
# released (a pipeline a caller still holds stays usable, ``release_ner_nlp``).

_KEPT: dict[str, tuple] = {}  # name -> (cache key, the object the session loaded)


def _keep(name: str, cache: dict, key) -> None:
    """Remember the cache's entry for ``key``, or put the remembered one back if a release dropped it."""
    if key in cache:
        _KEPT[name] = (key, cache[key])
    elif name in _KEPT and _KEPT[name][0] == key:
        cache[key] = _KEPT[name][1]


@pytest.fixture(autouse=True)
def _keep_the_stage_models():
    # before the test too: a session fixture set up for it (``sample_run``'s in-process run) may have released them
    _keep_all()
    yield
    _keep_all()


def _keep_all() -> None:
    s = get_settings()
    # the caches of ``get_ner_nlp`` and ``get_extractor``, under their own keys for these settings; a module not
    # imported yet has loaded nothing
    if (pipeline := sys.modules.get("extract.ner.pipeline")) is not None:
        _keep("ner", pipeline._CACHE, pipeline.pipeline_key(s))
    if (stage := sys.modules.get("extract.relations.stage")) is not None:
        _keep("relations", stage._EXTRACTORS, stage.extractor_key(s))
    # the shipped linker index the pipelines share (``load_linker_resources``, ~3 s), dropped with the pipeline
    if (index := sys.modules.get("extract.linking.index")) is not None:
        if (linker := resolve_model_dir(s.linker_index, "linker")) is not None:
            _keep("linker", index._CACHE, linker.resolve())


@pytest.fixture(scope="session")
def shipped_ner_model():
    """The shipped NER model folder loaded with ``spacy.load`` (its lexicon takes seconds to build), once."""
    import spacy

    model_dir = resolve_model_dir("", "ner")
    if model_dir is None:
        pytest.skip("no models/ner-* shipped yet")
    return spacy.load(model_dir)


@pytest.fixture(scope="session")
def extractor():
    """The shipped relation extractor of the stage (``get_extractor``: loaded once per process)."""
    from extract.relations.stage import get_extractor

    return get_extractor()
