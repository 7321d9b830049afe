"""MEDLINE files in forms an operator's QA found read badly, each run through the real ingest stage into Parquet:

- a file cut short (a partial download, ``.xml`` or ``.xml.gz``): the reject names the cut citation's PMID;
- a file in UTF-16 (byte-order mark and ``encoding="UTF-16"``) is read like its UTF-8 twin;
- element names with a namespace prefix (``<pm:PubmedArticle>``): a clear reject per citation, naming its PMID;
- entities declared in the DOCTYPE's internal subset are resolved; external ones never are (no XXE).
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

from test_medline_edge_cases import _HEAD, _TAIL, citation, ingest

P = 39_300_000


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


# ---------------------------------------------------------------- a file cut short


def test_a_file_cut_short_names_the_cut_citation_or_the_pmid_it_ends_after(tmp_path):
    # Before the fix the reject's doc_id was null in all three cases.
    whole = _HEAD + b"".join(citation(P + i) for i in range(4)) + _TAIL
    after_pmid = _write(tmp_path / "in" / "after_pmid.xml", whole[: whole.index(b"%d</PMID>" % (P + 2)) + 300])
    start_of_third = whole.index(b"<PubmedArticle>", whole.index(b"%d</PMID>" % (P + 1)))
    before_pmid = _write(tmp_path / "in" / "before_pmid.xml", whole[: start_of_third + 40])
    packed = gzip.compress(whole, mtime=0)
    in_gzip = _write(tmp_path / "in" / "partial.xml.gz", packed[: len(packed) * 3 // 5])
    by_file, raw = {}, []
    for n, path in enumerate([after_pmid, before_pmid, in_gzip]):  # a batch each: the files hold the same PMIDs
        kept, (reject,) = ingest([path], tmp_path / f"out{n}", "cut")
        by_file[path] = reject
        raw += kept
    assert all(r["source"] == path for path, r in by_file.items())
    # cut inside the third citation, after its PMID: the reject names it
    assert by_file[after_pmid]["doc_id"] == f"PMID:{P + 2}" and by_file[after_pmid]["reason"] == "malformed_xml"
    assert "the file is truncated" in by_file[after_pmid]["detail"]
    # cut before the third citation's PMID: no PMID to name, the detail says where the file ends
    assert by_file[before_pmid]["doc_id"] is None
    assert f"the file is truncated after PMID {P + 1}" in by_file[before_pmid]["detail"]
    # a compressed file cut short: the citation at the cut is named too
    gz_reject = by_file[in_gzip]
    kept_from_gzip = [d["doc_id"] for d in raw if d["source"] == in_gzip]
    assert gz_reject["reason"] == "truncated_gzip" and gz_reject["doc_id"] == f"PMID:{P + len(kept_from_gzip)}"
    assert sorted(d["doc_id"] for d in raw if d["source"] != in_gzip) == [f"PMID:{P}"] * 2 + [f"PMID:{P + 1}"] * 2


# ---------------------------------------------------------------- UTF-16


def _utf8_file() -> bytes:
    head = _HEAD.replace(b'<?xml version="1.0" ?>', b'<?xml version="1.0" encoding="UTF-8"?>')
    return head + citation(P + 10, title="Café au lait spots after β-blocker use: 37 °C.") + citation(P + 11) + _TAIL


def test_a_utf16_file_is_read_like_its_utf8_twin(tmp_path):
    # Before the fix each UTF-16 file was one binary_file reject ("file looks binary"), its citations lost.
    utf8 = _utf8_file()
    text = utf8.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    inputs = [
        _write(tmp_path / "in" / "utf8.xml", utf8),
        _write(tmp_path / "in" / "le.xml", codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
        _write(tmp_path / "in" / "be.xml.gz", gzip.compress(codecs.BOM_UTF16_BE + text.encode("utf-16-be"), mtime=0)),
        _write(tmp_path / "in" / "no_bom.xml", text.encode("utf-16-le")),
    ]
    for n, path in enumerate(inputs):
        raw, rejects = ingest([path], tmp_path / "out", f"b{n}")
        assert rejects == []
        got = [(d["doc_id"], d["title"], d["text"], d["sections"]) for d in raw]
        if n == 0:
            want = got
            assert want[0][1] == "Café au lait spots after β-blocker use: 37 °C."
        assert got == want, path


def test_an_invalid_utf16_sequence_costs_only_its_citation(tmp_path):
    text = _utf8_file().decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = bytearray(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    title = data.index("Café".encode("utf-16-le"))
    data[title : title + 2] = b"\x00\xdc"  # a lone low surrogate in the first citation's title
    path = _write(tmp_path / "in" / "lone_surrogate.xml", bytes(data))
    raw, rejects = ingest([path], tmp_path / "out", "bad16")
    assert [d["doc_id"] for d in raw] == [f"PMID:{P + 11}"]
    assert [(r["doc_id"], r["reason"]) for r in rejects] == [(f"PMID:{P + 10}", "malformed_xml")]


# ---------------------------------------------------------------- namespace prefixes


def _prefixed(pmid: int, prefix: bytes = b"pm") -> bytes:
    """A citation whose element names all carry ``prefix``."""
    return (
        citation(pmid)
        .replace(b"</", b"\x00")
        .replace(b"<", b"<" + prefix + b":")
        .replace(b"\x00", b"</" + prefix + b":")
    )


def test_citations_with_a_namespace_prefix_get_a_reject_each_naming_its_pmid(tmp_path):
    # Before the fix the whole body of such a file was one malformed_xml reject without a doc_id ("N bytes are not a
    # readable citation"), held in memory whole; now each citation is cut on its own and its reject says why.
    prefixed_root = _write(
        tmp_path / "in" / "prefixed_root.xml",
        _HEAD.replace(b"<PubmedArticleSet>", b'<pm:PubmedArticleSet xmlns:pm="http://example.org/pubmed">')
        + b"".join(_prefixed(P + 20 + i) for i in range(3))
        + b'<pm:DeleteCitation><pm:PMID Version="1">%d</pm:PMID></pm:DeleteCitation>\n' % (P + 30)
        + b"</pm:PubmedArticleSet>\n",
    )
    prefixed_records = _write(
        tmp_path / "in" / "prefixed_records.xml",
        _HEAD.replace(b"<PubmedArticleSet>", b'<PubmedArticleSet xmlns:x="http://example.org/pubmed">')
        + citation(P + 23)
        + _prefixed(P + 24, b"x")
        + _prefixed(P + 25, b"x")
        + citation(P + 26)
        + _TAIL,
    )
    raw, rejects = ingest([prefixed_root, prefixed_records], tmp_path / "out", "ns")
    assert [d["doc_id"] for d in raw] == [f"PMID:{P + 23}", f"PMID:{P + 26}"]
    got = {r["source"]: (r["doc_id"], r["reason"]) for r in rejects}
    assert got == {
        f"{prefixed_root}#0": (f"PMID:{P + 20}", "malformed_xml"),
        f"{prefixed_root}#1": (f"PMID:{P + 21}", "malformed_xml"),
        f"{prefixed_root}#2": (f"PMID:{P + 22}", "malformed_xml"),
        f"{prefixed_root}#3": (None, "malformed_xml"),  # the DeleteCitation
        f"{prefixed_records}#1": (f"PMID:{P + 24}", "malformed_xml"),
        f"{prefixed_records}#2": (f"PMID:{P + 25}", "malformed_xml"),
    }
    assert all("namespace prefix" in r["detail"] for r in rejects)
    assert "its deletions were not applied" in next(r for r in rejects if r["doc_id"] is None)["detail"]


# ---------------------------------------------------------------- entities of the DOCTYPE's internal subset


def test_internal_entities_are_resolved_and_external_ones_never(tmp_path):
    # Before the fix "&drug;" stayed in the title as written.  An entity declared SYSTEM is never loaded: the
    # citation using it keeps its references as written, and the secret file's text reaches no document.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    head = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n  <!ENTITY drug "cisplatin">\n'
        b'  <!ENTITY ext SYSTEM "' + secret.as_uri().encode() + b'">\n'
        b'  <!ENTITY % remote SYSTEM "' + secret.as_uri().encode() + b'">\n]>\n<PubmedArticleSet>\n'
    )
    path = _write(
        tmp_path / "in" / "entities.xml",
        head
        + citation(P + 40, title="Nephrotoxicity of &drug; in children.")
        + citation(P + 41, title="Ototoxicity of &drug; &ext;.")
        + _TAIL,
    )
    raw, rejects = ingest([path], tmp_path / "out", "entities")
    assert rejects == []
    titles = {d["doc_id"]: d["title"] for d in raw}
    assert titles == {
        f"PMID:{P + 40}": "Nephrotoxicity of cisplatin in children.",
        f"PMID:{P + 41}": titles[f"PMID:{P + 41}"],
    }
    assert "&ext;" in titles[f"PMID:{P + 41}"]
    assert not any("TOP-SECRET-MARKER" in (d["title"] + d["text"]) for d in raw)
    # an expansion bomb among the declarations costs the citations, not the run (libxml2's amplification limit)
    levels = b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    head = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY l0 "lol">' + levels + b"]>\n<PubmedArticleSet>\n"
    )
    path = _write(
        tmp_path / "in" / "bomb.xml", head + citation(P + 50, title="Laughs &l9;.") + citation(P + 51) + _TAIL
    )
    raw, rejects = ingest([path], tmp_path / "out", "bomb")
    assert len(raw) + len(rejects) == 2
    assert all(r["reason"] == "malformed_xml" and r["doc_id"] for r in rejects)
    assert all(len(d["title"]) < 1000 for d in raw)
