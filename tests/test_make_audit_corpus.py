"""`benchmarks/make_audit_corpus.py` never replaces an existing ids file with another draw's list unless told
(``--force``): its default ``--ids`` is the audit's own list, ``data/gold/relation_audit/audit_ids.txt``."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from extract.settings import get_settings
from helpers import ROOT

SCRIPT = ROOT / "benchmarks" / "make_audit_corpus.py"
AUDIT_IDS = ROOT / "data" / "gold" / "relation_audit" / "audit_ids.txt"
ABSTRACT = "Patients received the drug for twelve weeks and the outcomes were measured with care. " * 2


def _draw(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A shared folder with one abstracts file of 20 PMIDs (``ID<TAB>Title. Abstract``)."""
    folder = tmp_path / "shared"
    (folder / "unlabeled").mkdir(parents=True)
    with gzip.open(folder / "unlabeled" / "abstracts.txt.gz", "wt", encoding="utf-8") as fh:
        for pmid in range(1000, 1020):
            fh.write(f"{pmid}\tTrial number {pmid}. {ABSTRACT}\n")
    return folder


def test_another_draw_does_not_replace_an_ids_file_unless_forced(shared, tmp_path):
    common = ["--shared", str(shared), "--source", "unlabeled/abstracts.txt.gz", "--n", "5"]
    ids, xml = tmp_path / "ids.txt", tmp_path / "first.xml"
    first = _draw(*common, "--seed", "0", "--xml", str(xml), "--ids", str(ids))
    assert first.returncode == 0, first.stderr
    listed = ids.read_text(encoding="utf-8")
    assert len(listed.split()) == 5 and xml.exists()

    # the same draw again (the README's reproduce recipe): the same list, nothing refused
    again = _draw(*common, "--seed", "0", "--xml", str(tmp_path / "again.xml"), "--ids", str(ids))
    assert again.returncode == 0, again.stderr
    assert ids.read_text(encoding="utf-8") == listed

    # another seed onto the same ids file: refused before anything is written
    other_xml = tmp_path / "other.xml"
    refused = _draw(*common, "--seed", "1", "--xml", str(other_xml), "--ids", str(ids))
    assert refused.returncode == 2
    assert f"{ids} exists with another list of PMIDs" in refused.stderr and "--force" in refused.stderr
    assert ids.read_text(encoding="utf-8") == listed and not other_xml.exists()

    forced = _draw(*common, "--seed", "1", "--xml", str(other_xml), "--ids", str(ids), "--force")
    assert forced.returncode == 0, forced.stderr
    assert ids.read_text(encoding="utf-8") != listed and len(ids.read_text(encoding="utf-8").split()) == 5


def test_default_ids_is_the_audit_list_and_the_audit_recipe_still_runs(tmp_path):
    """Without --ids the script writes to the audit's list (so a draw with another seed and no --ids is refused, as
    above); the command the audit README gives (no arguments) still runs: it draws the same 5,000 PMIDs.  Run on a
    copy of the list: a test never risks the real one."""
    sys.path.insert(0, str(SCRIPT.parent))
    from make_audit_corpus import DEFAULT_IDS

    assert DEFAULT_IDS == AUDIT_IDS
    shared_dir = get_settings().shared_dir
    if not (shared_dir / "unlabeled" / "sysrev_drug_reviews" / "abstracts.txt.gz").exists():
        pytest.skip(f"no unlabeled abstracts in {shared_dir}")
    before = AUDIT_IDS.read_bytes()
    copy = tmp_path / "audit_ids.txt"
    copy.write_bytes(before)
    same = _draw("--shared", str(shared_dir), "--xml", str(tmp_path / "audit.xml.gz"), "--ids", str(copy))
    assert same.returncode == 0, same.stderr
    assert copy.read_bytes() == before and len(before.split()) == 5000
    refused = _draw("--shared", str(shared_dir), "--seed", "5", "--xml", str(tmp_path / "5.xml"), "--ids", str(copy))
    assert refused.returncode == 2 and copy.read_bytes() == before
