"""The .qdpx export written as the project is read: the same file as the whole-tree writer it replaced, XML
laid out as lxml lays it out, nothing written when a check fails, progress reported, ZIP64 when needed."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from rich.console import Console

from qualcode.app.actions import export_qdpx, export_qdpx_file
from qualcode.cli.main import cli
from qualcode.cli.progress import progress_bar
from qualcode.core.refi import RefiCode, RefiCoding, RefiProject, RefiSelection, RefiSource, RefiStream
from qualcode.export.qdaxml import Node, XmlWriter
from qualcode.export.qdpx import ExportError, write_qdpx
from qualcode.store.memos import write_memo
from qualcode.store.project import Project
from qualcode.store.reviews import set_review
from tests.refi_tree_writer import old_qdpx, old_snapshot


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n2", strip_text=True)


def _annotate(p: Project) -> None:
    """A memo on each kind of thing (a coding's is its own memo column), and
    review decisions: what the export turns into Notes, NoteRefs and selection descriptions."""
    first = p.scalar("SELECT min(id) FROM codings")
    for kind, table in [
        ("document", "documents"),
        ("segment", "segments"),
        ("case", "cases"),
        ("code", "codes"),
    ]:
        write_memo(
            p, kind, p.scalar(f"SELECT min(id) FROM {table}"), f'On a {kind} & <its> "text"', title=kind
        )
    write_memo(p, "coding", first, "Why this coding\r\nsays so", coder="tom")
    write_memo(p, "project", None, "The whole study", title="Study")
    set_review(p, first, "queried", comment="Is this the hub's doing?", reviewer="lead")
    set_review(p, first, "accepted", reviewer="lead")


def test_the_demo_exports_as_the_whole_tree_writer_exported_it(demo_location, tmp_path):
    path = demo_location
    with Project.open(path) as p:
        _annotate(p)
        old = old_qdpx(old_snapshot(p))
        assert p.scalar("SELECT count(*) FROM codings") > 100 and p.scalar("SELECT count(*) FROM memos") == 5
        size = export_qdpx_file(p, tmp_path / "new.qdpx")
    new = (tmp_path / "new.qdpx").read_bytes()
    assert size == len(new)
    theirs, ours = _members(old), _members(new)
    assert list(ours) == list(theirs)  # project.qde first, then every source's text, in the same order
    assert _canonical(ours.pop("project.qde")) == _canonical(theirs.pop("project.qde"))
    assert ours == theirs
    assert new == old  # and byte for byte: same layout, same compression, same fixed times


def test_export_to_memory_is_the_same_file(demo_location, tmp_path):
    path = demo_location
    with Project.open(path) as p:
        _annotate(p)
        assert export_qdpx(p) == old_qdpx(old_snapshot(p))


_xml_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(
    attrs=st.lists(
        st.tuples(st.sampled_from(["a", "name", "guid"]), _xml_text), max_size=3, unique_by=lambda t: t[0]
    ),
    texts=st.lists(st.one_of(st.none(), _xml_text), min_size=1, max_size=4),
)
def test_the_writer_lays_out_and_escapes_as_lxml(attrs, texts):
    ns = "urn:QDA-XML:project:1.0"
    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns})
    ours = Node("Project", [("xmlns", ns)])
    for k, v in attrs:
        root.set(k, v)
        ours.attrs.append((k, v))
    holder, mine = etree.SubElement(root, f"{{{ns}}}Notes"), ours.add("Notes")
    for i, text in enumerate(texts):
        el = etree.SubElement(holder, f"{{{ns}}}Note")
        el.set("n", str(i))
        el.text = text
        mine.add("Note", [("n", str(i))], text)
    out = io.BytesIO()
    writer = XmlWriter(out.write)
    writer.node(ours)
    writer.flush()
    assert out.getvalue() == etree.tostring(root, encoding="utf-8", pretty_print=True)


def test_a_character_xml_cannot_hold_stops_the_export_and_leaves_the_old_file(
    demo_location, tmp_path, runner
):
    path = demo_location
    with Project.open(path) as p, p.transaction():
        write_memo(p, "project", None, "bell \x07 here", title="Bell")
    out = tmp_path / "study.qdpx"
    out.write_bytes(b"the previous export")
    result = runner.invoke(cli, ["export", str(path), "-o", str(out)])
    assert result.exit_code == 1  # ExportError: what the project holds cannot be written, not a bad input
    assert "U+0007" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert out.read_bytes() == b"the previous export"
    left = sorted(x.name for x in tmp_path.iterdir() if x.suffix != ".qcdb")
    assert left == ["study.qdpx"]  # no temporary file left


def test_a_selection_outside_its_text_is_found_while_streaming():
    code = RefiCode("11111111-1111-1111-1111-111111111111", "A")
    good = RefiSource("22222222-2222-2222-2222-222222222222", "good", "hello")
    bad = RefiSource(
        "33333333-3333-3333-3333-333333333333",
        "bad",
        "hi",
        selections=[
            RefiSelection(
                "44444444-4444-4444-4444-444444444444",
                0,
                3,
                codings=[RefiCoding("55555555-5555-5555-5555-555555555555", code.guid)],
            )
        ],
    )
    stream = RefiStream.of(RefiProject(name="p", codes=[code], sources=[good, bad]))
    with pytest.raises(ExportError, match=r"outside 'bad' \(2\); nothing was written"):
        write_qdpx(io.BytesIO(), stream)


def test_progress_is_shown_only_on_a_terminal_and_only_after_the_delay():
    calls: list[tuple[str, int, int]] = []

    def collect(what: str, done: int, total: int) -> None:
        calls.append((what, done, total))

    text = "one two three"
    refi = RefiProject(
        name="p",
        sources=[RefiSource(f"{i:08d}-0000-4000-8000-000000000000", f"s{i}", text) for i in range(3)],
    )
    write_qdpx(io.BytesIO(), RefiStream.of(refi), collect)
    stages = [c[0] for c in calls]
    assert calls[:3] == [("writing project.qde", n, 3) for n in (1, 2, 3)]
    assert stages.count("adding the texts") == 3 and stages.count("checking against the schema") == 3

    shown = io.StringIO()
    with progress_bar(Console(file=shown, force_terminal=True, width=80), after=0) as report:
        report("writing project.qde", 1, 3)
    assert "writing project.qde" in shown.getvalue()
    quiet = io.StringIO()
    with progress_bar(Console(file=quiet, force_terminal=True, width=80), after=3600) as report:
        report("writing project.qde", 1, 3)
    with progress_bar(Console(file=quiet, force_terminal=False), after=0) as report:
        report("writing project.qde", 1, 3)
    assert quiet.getvalue() == ""


def test_a_project_qde_that_may_pass_2_gb_is_written_as_zip64():
    refi = RefiProject(name="p", sources=[RefiSource("00000000-0000-4000-8000-000000000000", "s", "text")])
    small, big = RefiStream.of(refi), RefiStream.of(refi)
    big.size_hint = zipfile.ZIP64_LIMIT
    outputs = []
    for stream in (small, big):
        out = io.BytesIO()
        write_qdpx(out, stream)
        outputs.append(out.getvalue())
    assert _members(outputs[0]) == _members(outputs[1])  # the same content either way
    # project.qde comes first: its local header's extra field is ZIP64's (id 1, 16 bytes) only when asked for
    extra = [struct.unpack("<H", data[28:30])[0] for data in outputs]
    assert extra == [0, 20] and outputs[1][30 + len("project.qde") :][:2] == b"\x01\x00"


def test_a_spinner_shows_only_for_work_that_takes_longer_than_its_delay():
    import io
    import time

    from qualcode.cli.progress import working

    def run(after: float, seconds: float, terminal: bool = True) -> str:
        shown = io.StringIO()
        with working(
            Console(file=shown, force_terminal=terminal, width=80), "Computing the themes report", after
        ):
            time.sleep(seconds)
        return shown.getvalue()

    assert "Computing the themes report" in run(after=0.05, seconds=0.5)
    assert run(after=3600, seconds=0.05) == ""  # quick work: nothing at all
    assert run(after=0, seconds=0.2, terminal=False) == ""  # piped output: never
