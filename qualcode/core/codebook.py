"""Codebook YAML: parse, validate and serialise (hierarchy by nesting or by `parent`)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from qualcode.core.models import Code, Codebook
from qualcode.errors import InputError

KEY_RE = re.compile(r"^[\w][\w.\-]*$")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TEXT_FIELDS = ("label", "definition", "include", "exclude", "colour")
MAX_DEPTH = 50


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a codebook never needs them, and they allow 'billion laughs'
    documents that are small on disk but explode when walked."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases are not allowed", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


def _text(value: Any, where: str, field: str, problems: list[str]) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    problems.append(f"{where}: '{field}' must be text")
    return ""


def _text_list(value: Any, where: str, field: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    problems.append(f"{where}: '{field}' must be a list of text")
    return []


def parse_codebook(
    data: Any, source: str = "codebook", known_parents: frozenset[str] = frozenset()
) -> Codebook:
    """Turn loaded YAML into a validated Codebook; raises InputError listing every problem found.

    `known_parents` are keys that exist elsewhere (the project a codebook is imported into).
    """
    if isinstance(data, list):
        data = {"codes": data}
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        raise InputError(f"{source}: not a codebook (expected a mapping with a 'codes' list)")
    problems: list[str] = []
    codes: list[Code] = []

    def walk(items: list[Any], parent: str | None, trail: str, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            problems.append(f"{trail}: codes nested more than {MAX_DEPTH} levels deep")
            return
        for i, item in enumerate(items):
            where = f"{trail}[{i}]"
            if not isinstance(item, dict):
                problems.append(f"{where}: each code must be a mapping")
                continue
            key = _text(item.get("key"), where, "key", problems)
            where = f"code '{key}'" if key else where
            if not key:
                problems.append(f"{where}: missing key")
            elif not KEY_RE.match(key):
                problems.append(f"{where}: key may use only letters, digits, '.', '-' and '_'")
            declared_parent = item.get("parent")
            if declared_parent is not None and parent is not None and str(declared_parent) != parent:
                problems.append(f"{where}: 'parent' is {declared_parent!r} but it is nested under {parent!r}")
            examples = item.get("examples")
            typical: Any = examples
            atypical: Any = item.get("atypical_examples")
            if isinstance(examples, dict):
                typical = examples.get("typical")
                atypical = examples.get("atypical", atypical)
            code = Code(
                key=key,
                label=_text(item.get("label"), where, "label", problems),
                parent=parent if parent is not None else (str(declared_parent) if declared_parent else None),
                definition=_text(item.get("definition"), where, "definition", problems),
                include=_text(item.get("include"), where, "include", problems),
                exclude=_text(item.get("exclude"), where, "exclude", problems),
                examples=_text_list(typical, where, "examples", problems),
                atypical_examples=_text_list(atypical, where, "atypical examples", problems),
                keywords=_text_list(item.get("keywords"), where, "keywords", problems),
                colour=_text(item.get("colour", item.get("color")), where, "colour", problems),
            )
            if key and not code.label:
                problems.append(f"{where}: empty label")
            if code.colour and not COLOUR_RE.match(code.colour):
                problems.append(f"{where}: colour must look like #1A2B3C")
            codes.append(code)
            children = item.get("children")
            if children is not None:
                if isinstance(children, list):
                    walk(children, key or None, f"{where}.children", depth + 1)
                else:
                    problems.append(f"{where}: 'children' must be a list")

    walk(data["codes"], None, "codes")
    codebook = Codebook(
        codes=codes,
        name=str(data.get("name") or ""),
        description=str(data.get("description") or "").strip(),
        version=int(data.get("version") or 1) if str(data.get("version") or "1").isdigit() else 1,
    )
    problems.extend(validate_codebook(codebook, known_parents))
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise InputError(f"{source}: " + "; ".join(problems[:3]) + more)
    return _parents_first(codebook)


def validate_codebook(codebook: Codebook, known_parents: frozenset[str] = frozenset()) -> list[str]:
    """Structural problems: duplicate keys, unknown parents, cycles."""
    problems: list[str] = []
    seen: set[str] = set()
    for code in codebook.codes:
        if code.key in seen:
            problems.append(f"duplicate key '{code.key}'")
        seen.add(code.key)
    parents = {c.key: c.parent for c in codebook.codes}
    for code in codebook.codes:
        if code.parent is not None and code.parent not in parents and code.parent not in known_parents:
            problems.append(f"code '{code.key}': unknown parent '{code.parent}'")
    for key in parents:
        node: str | None = key
        for _ in range(len(parents) + 1):
            node = parents.get(node) if node is not None else None
            if node is None:
                break
            if node == key:
                problems.append(f"code '{key}': parent chain loops back to itself")
                break
    return problems


def _parents_first(codebook: Codebook) -> Codebook:
    """Order codes depth-first so every parent precedes its children, keeping sibling order; children of codes
    outside this file (known_parents) keep their place at the end."""
    codebook.codes = [code for code, _ in codebook.walk()]
    return codebook


def load_codebook_text(
    text: str, source: str = "codebook", known_parents: frozenset[str] = frozenset()
) -> Codebook:
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise InputError(f"{source}: YAML nested too deeply") from None
    except yaml.YAMLError as exc:
        if "aliases are not allowed" in str(exc):
            raise InputError(
                f"{source}: YAML anchors and aliases (& and *) are not allowed in a codebook"
            ) from None
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{source}: not valid YAML{where}") from None
    return parse_codebook(data, source, known_parents)


def codebook_to_data(codebook: Codebook) -> dict[str, Any]:
    """The nested YAML shape, omitting empty fields."""

    def node(code: Code) -> dict[str, Any]:
        out: dict[str, Any] = {"key": code.key, "label": code.label}
        for name in ("definition", "include", "exclude"):
            if getattr(code, name):
                out[name] = getattr(code, name)
        if code.examples or code.atypical_examples:
            ex: dict[str, list[str]] = {}
            if code.examples:
                ex["typical"] = list(code.examples)
            if code.atypical_examples:
                ex["atypical"] = list(code.atypical_examples)
            out["examples"] = ex
        if code.keywords:
            out["keywords"] = list(code.keywords)
        if code.colour:
            out["colour"] = code.colour
        return out

    data: dict[str, Any] = {}
    if codebook.name:
        data["name"] = codebook.name
    data["version"] = codebook.version
    if codebook.description:
        data["description"] = codebook.description
    data["codes"] = []
    nodes: dict[str, dict[str, Any]] = {}
    for code, _ in codebook.walk():
        if code.parent is None:
            siblings = data["codes"]
        elif code.parent in nodes:
            siblings = nodes[code.parent].setdefault("children", [])
        else:  # under a code outside this codebook: not part of its tree
            continue
        nodes[code.key] = node(code)
        siblings.append(nodes[code.key])
    return data


def dump_codebook_yaml(codebook: Codebook) -> str:
    return yaml.safe_dump(codebook_to_data(codebook), sort_keys=False, allow_unicode=True, width=100)
