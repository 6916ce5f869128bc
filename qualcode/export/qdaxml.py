"""XML written as it is made, one element at a time, laid out byte for byte as lxml's pretty printer lays it out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from qualcode.errors import QualcodeError

# What XML 1.0 can hold: lxml refuses the rest (controls, U+FFFE, U+FFFF, lone surrogates), and so does this.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# As libxml2 escapes them when it saves UTF-8: attributes keep their line breaks and tabs as references.
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Most values (GUIDs, offsets, names) need neither: one scan finds out.
_ATTR_WORK = re.compile(f'[&<>"\n\r\t]|{_NOT_XML.pattern}')
_TEXT_WORK = re.compile(f"[&<>\r]|{_NOT_XML.pattern}")
INDENT = "  "


class XmlCharacterError(QualcodeError, ValueError):
    """A text holds a character XML cannot hold."""


def _checked(value: str) -> str:
    m = _NOT_XML.search(value)
    if m:
        raise XmlCharacterError(
            f"a text holds U+{ord(m.group()):04X}, a character XML cannot hold: {value[:60]!r}"
        )
    return value


@dataclass(slots=True)
class Node:
    """An element: its name (no namespace: the root's default namespace covers every element), attributes
    in order, text (None: none; '' is written as an empty pair of tags, as lxml does) and children."""

    name: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    children: list[Node] = field(default_factory=list)

    def add(self, name: str, attrs: list[tuple[str, str]] | None = None, text: str | None = None) -> Node:
        child = Node(name, attrs or [], text)
        self.children.append(child)
        return child


def _attr(value: str) -> str:
    return _checked(value).translate(_ATTR) if _ATTR_WORK.search(value) else value


def _text(value: str) -> str:
    return _checked(value).translate(_TEXT) if _TEXT_WORK.search(value) else value


def _start(name: str, attrs: list[tuple[str, str]]) -> str:
    return "<" + " ".join([name] + [f'{k}="{_attr(v)}"' for k, v in attrs])


class XmlWriter:
    """Elements opened and closed in order, or written whole; `write` gets UTF-8 bytes. An opened element
    that gets no child is closed as `<Name .../>`, as lxml writes an empty element."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self._open: list[tuple[str, bool]] = []  # (name, has a child yet)
        self._pending: list[str] = []

    def _emit(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) > 512:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._write("".join(self._pending).encode("utf-8"))
            self._pending = []

    def _child_starts(self) -> None:
        """Finish the parent's start tag the first time it gets a child, and put the child on a new line."""
        if self._open:
            name, started = self._open[-1]
            if not started:
                self._emit(">\n")
                self._open[-1] = (name, True)
        self._emit(INDENT * len(self._open))

    def declaration(self) -> None:
        # written with double quotes, as every QDA tool's own exports have it
        self._emit('<?xml version="1.0" encoding="utf-8"?>\n')

    def open(self, name: str, attrs: list[tuple[str, str]] | None = None) -> None:
        self._child_starts()
        self._emit(_start(name, attrs or []))
        self._open.append((name, False))

    def close(self) -> None:
        name, started = self._open.pop()
        self._emit(f"{INDENT * len(self._open)}</{name}>\n" if started else "/>\n")

    def node(self, node: Node) -> None:
        self._child_starts()
        out: list[str] = []
        _render(node, len(self._open), out)
        self._emit("".join(out))


def _render(node: Node, depth: int, out: list[str]) -> None:
    """`node` laid out at `depth` (its own first line's indent already written), into `out`."""
    out.append(_start(node.name, node.attrs))
    if node.children:
        out.append(">\n")
        pad = INDENT * (depth + 1)
        for child in node.children:
            out.append(pad)
            _render(child, depth + 1, out)
        out.append(f"{INDENT * depth}</{node.name}>\n")
    elif node.text is not None:
        out.append(f">{_text(node.text)}</{node.name}>\n")
    else:
        out.append("/>\n")
