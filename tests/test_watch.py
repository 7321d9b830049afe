"""The watched folder of ``serve --watch``: which files a scheduled run takes (``stages.unseen_files``)."""

from __future__ import annotations

import os
import shutil
import time

from extract import stages
from helpers import SAMPLES


def test_a_file_still_being_written_waits_for_the_next_run(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    settled = shutil.copy(sorted(SAMPLES.glob("*.pubtator"))[0], inbox / "settled.pubtator")
    hour_ago = time.time() - 3600
    os.utime(settled, (hour_ago, hour_ago))
    copying = inbox / "copying.pubtator"
    copying.write_text("91000001|t|Half a file\n91000001|a|Cisplatin caused")
    assert [p.name for p in stages.unseen_files(inbox, out, min_age=60)] == ["settled.pubtator"]
    assert sorted(p.name for p in stages.unseen_files(inbox, out, min_age=0)) == [
        "copying.pubtator",
        "settled.pubtator",
    ]
