import pytest
import yaml

from qualcode.core.codebook import codebook_to_data, dump_codebook_yaml, load_codebook_text, parse_codebook
from qualcode.errors import InputError

LEAVES = {
    "practice": ["awareness", "reflection", "confidence", "knowledge", "networking", "evidence"],
    "org": ["awareness-raising", "signposting", "joint-working", "adaptation"],
    "lived": ["involvement", "coproduction", "feedback", "facilitation"],
    "hls": [
        "people",
        "case-for-change",
        "local-relationships",
        "investment",
        "diverse-relationships",
        "leadership",
        "control",
        "key-functions",
        "legislation",
    ],
    "system": ["sharing-learning", "partnership", "profile", "conversation", "voice", "strategy"],
    "delivery": ["format", "resources", "topics", "facilitation"],
    "challenge": ["statutory", "follow-up", "context", "attribution"],
}


def test_shipped_codebook_has_exactly_the_required_keys(codebook_path):
    cb = load_codebook_text(codebook_path.read_text(encoding="utf-8"))
    expected = set(LEAVES) | {f"{g}.{leaf}" for g, leaves in LEAVES.items() for leaf in leaves}
    assert {c.key for c in cb.codes} == expected
    by_key = cb.by_key()
    for group, leaves in LEAVES.items():
        assert by_key[group].parent is None
        for leaf in leaves:
            code = by_key[f"{group}.{leaf}"]
            assert code.parent == group
            assert code.label and code.definition and code.include and code.exclude
            assert code.examples and code.keywords and code.colour.startswith("#")


def test_nested_and_flat_parent_forms_agree():
    nested = {"codes": [{"key": "a", "label": "A", "children": [{"key": "a.b", "label": "B"}]}]}
    flat = {"codes": [{"key": "a.b", "label": "B", "parent": "a"}, {"key": "a", "label": "A"}]}
    assert [(c.key, c.parent) for c in parse_codebook(nested).codes] == [("a", None), ("a.b", "a")]
    assert [(c.key, c.parent) for c in parse_codebook(flat).codes] == [("a", None), ("a.b", "a")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"codes": [{"key": "a", "label": "A"}, {"key": "a", "label": "Again"}]}, "duplicate key 'a'"),
        ({"codes": [{"key": "a", "label": "A", "parent": "zzz"}]}, "unknown parent 'zzz'"),
        ({"codes": [{"key": "a", "label": ""}]}, "empty label"),
        ({"codes": [{"key": "a b", "label": "A"}]}, "key may use only"),
        ({"codes": [{"key": "a", "label": "A", "colour": "red"}]}, "colour must look like"),
        ({"codes": [{"label": "A"}]}, "missing key"),
        ({"codes": "nope"}, "not a codebook"),
        (
            {"codes": [{"key": "a", "label": "A", "parent": "b"}, {"key": "b", "label": "B", "parent": "a"}]},
            "loops",
        ),
    ],
)
def test_validation_errors_are_clear(data, message):
    with pytest.raises(InputError, match=message):
        parse_codebook(data, "cb.yaml")


def test_bad_yaml_reports_line():
    with pytest.raises(InputError, match="not valid YAML at line 2"):
        load_codebook_text("codes:\n\t- key: a\n", "cb.yaml")


def test_round_trip_through_yaml(codebook_path):
    cb = load_codebook_text(codebook_path.read_text(encoding="utf-8"))
    again = load_codebook_text(dump_codebook_yaml(cb))
    assert again.codes == cb.codes
    assert yaml.safe_load(dump_codebook_yaml(cb))["codes"][0]["key"] == "practice"


def test_one_tree_walk_gives_depth_first_order_depths_and_subtrees():
    from qualcode.core.models import Code, Codebook

    # Stored out of order: a child before its parent, and a code whose parent lives elsewhere ("ext").
    cb = Codebook(
        [
            Code("b.1", "B1", parent="b"),
            Code("a", "A"),
            Code("x", "X", parent="ext"),
            Code("b", "B"),
            Code("a.1", "A1", parent="a"),
            Code("a.1.i", "A1i", parent="a.1"),
            Code("a.2", "A2", parent="a"),
        ]
    )
    assert [(c.key, d) for c, d in cb.walk()] == [
        ("a", 0),
        ("a.1", 1),
        ("a.1.i", 2),
        ("a.2", 1),
        ("b", 0),
        ("b.1", 1),
        ("x", 1),
    ]
    subtrees = cb.subtrees()
    assert subtrees["a"] == {"a", "a.1", "a.1.i", "a.2"} and subtrees["a.1"] == {"a.1", "a.1.i"}
    assert subtrees["a.2"] == {"a.2"} and subtrees["b"] == {"b", "b.1"} and subtrees["x"] == {"x"}
    # Serialising keeps the tree and leaves out what hangs under a code outside this codebook.
    data = codebook_to_data(cb)
    assert [(c["key"], [k["key"] for k in c.get("children", [])]) for c in data["codes"]] == [
        ("a", ["a.1", "a.2"]),
        ("b", ["b.1"]),
    ]
    assert data["codes"][0]["children"][0]["children"][0]["key"] == "a.1.i"
