"""The hand-made mutants of issue 11 that survived, each with the tests that must kill it."""

from __future__ import annotations

from dataclasses import dataclass

K = "tests/unit/test_mutant_killers.py::"
ORACLE = "tests/unit/test_oracle.py::"
F = "tests/hostile/test_fuzz_importers.py::"


@dataclass(frozen=True)
class Mutant:
    id: str
    what: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


AG = "qualcode/reports/agreement.py"
CA = "qualcode/core/agreement.py"
DOC = "qualcode/store/documents.py"
OFF = "qualcode/core/offsets.py"
COD = "qualcode/store/codings.py"
IMP = "qualcode/store/codings_import.py"  # the codings CSV import checks spans on the text it read
CON = "qualcode/reports/contribution.py"
TUR = "qualcode/core/turns.py"
PAIR = ORACLE + "test_qualcode_pairwise_kappa_and_alpha_for_three_coders"
PROP = ORACLE + "test_kappa_and_alpha_equal_the_oracle"

MUTANTS: list[Mutant] = [
    Mutant(
        "kappa-pairwise-pair",
        "pairwise kappa always compares the first coder",
        AG,
        "kappa_of(_pair(patterns, i, j))[0]",
        "kappa_of(_pair(patterns, 0, j))[0]",
        (PAIR,),
    ),
    Mutant(
        "kappa-pairwise-names",
        "pairwise kappa labels the pair the wrong way round",
        AG,
        'f"{coders[i]}|{coders[j]}"',
        'f"{coders[j]}|{coders[i]}"',
        (PAIR,),
    ),
    Mutant(
        "kappa-two-coders",
        "one kappa (first two coders) reported for three or more",
        AG,
        '    if len(coders) == 2:\n        result["kappa"]',
        '    if len(coders) >= 2:\n        result["kappa"]',
        (PAIR,),
    ),
    Mutant(
        "kappa-statistic",
        "kappa computed on the wrong pair of vectors",
        AG,
        "return kappa_of(patterns_of([a, b]))",
        "return kappa_of(patterns_of([a, a]))",
        (PROP,),
    ),
    Mutant(
        "alpha-two-coders",
        "alpha computed on the first two coders only",
        AG,
        "return alpha_of(patterns_of(matrix), len(matrix))",
        "return alpha_of(patterns_of(matrix[:2]), 2)",
        (PAIR, PROP),
    ),
    Mutant(
        "split-initials",
        "the initials rule dropped (J. ends a sentence)",
        CA,
        "(stem in _ABBREVIATIONS or len(stem) <= 1)",
        "(stem in _ABBREVIATIONS)",
        (K + "test_a_full_stop_after_an_initial_does_not_end_a_sentence",),
    ),
    Mutant(
        "split-initials-two",
        "a two-letter word counts as an initial",
        CA,
        "len(stem) <= 1",
        "len(stem) <= 2",
        (K + "test_a_full_stop_after_an_initial_does_not_end_a_sentence",),
    ),
    Mutant(
        "split-initials-any-stop",
        "the initials rule applies after ! and ? too",
        CA,
        'word.rstrip("\\"\'”’)]").endswith(".") and ',
        "",
        (K + "test_a_full_stop_after_an_initial_does_not_end_a_sentence",),
    ),
    Mutant(
        "disagree-overlap-start",
        "a coding starting where the unit ends is listed on it",
        AG,
        "s.start < u.end and s.end > u.start",
        "s.start <= u.end and s.end > u.start",
        (K + "test_disagreement_list_shows_only_codings_that_overlap_the_unit",),
    ),
    Mutant(
        "disagree-overlap-end",
        "a coding ending where the unit starts is listed on it",
        AG,
        "s.start < u.end and s.end > u.start",
        "s.start < u.end and s.end >= u.start",
        (K + "test_disagreement_list_shows_only_codings_that_overlap_the_unit",),
    ),
    Mutant(
        "fts-rank",
        "search hits in storage order, not by relevance",
        DOC,
        "MATCH ? ORDER BY rank LIMIT ?",
        "MATCH ? ORDER BY s.id LIMIT ?",
        (K + "test_search_puts_the_most_relevant_hit_first",),
    ),
    Mutant(
        "fts-no-fallback",
        "no literal retry after an FTS5 syntax error",
        DOC,
        "        if not str(exc).startswith(_FTS_SYNTAX_ERRORS):\n            raise",
        "        if True:\n            raise",
        (K + "test_text_that_is_not_fts_syntax_is_searched_as_plain_words",),
    ),
    Mutant(
        "fts-literal-unquoted",
        "the literal retry does not quote the words",
        DOC,
        '" ".join(f\'"{w}"\' for w in words if w)',
        '" ".join(w for w in words if w)',
        (K + "test_text_that_is_not_fts_syntax_is_searched_as_plain_words",),
    ),
    Mutant(
        "fts-literal-unescaped",
        "the literal retry does not double quotes inside words",
        DOC,
        "[w.replace('\"', '\"\"') for w in",
        "[w for w in",
        (K + "test_text_that_is_not_fts_syntax_is_searched_as_plain_words",),
    ),
    Mutant(
        "search-codes-distinct",
        "a hit lists a code once per coding",
        DOC,
        "(SELECT DISTINCT c2.key FROM",
        "(SELECT c2.key FROM",
        (K + "test_a_hit_lists_each_of_its_codes_once",),
    ),
    Mutant(
        "offsets-surrogate",
        "an offset inside a surrogate pair counts as clean",
        OFF,
        "                clean = False\n                pos -= 1",
        "                pos -= 1",
        (K + "test_an_offset_inside_a_surrogate_pair_rules_out_a_utf16_reading",),
    ),
    Mutant(
        "offsets-crlf",
        "an offset inside a CRLF counts as clean",
        OFF,
        "            clean = False\n            e = self.edits[i - 1]",
        "            e = self.edits[i - 1]",
        (K + "test_an_offset_inside_a_crlf_rules_out_counting_it_as_two",),
    ),
    Mutant(
        "offsets-mid-word",
        "mid-word boundaries ignored when choosing a reading",
        OFF,
        "words += _mid_word(mapper.text, start) + _mid_word(mapper.text, end)",
        "words += 0",
        (K + "test_a_boundary_in_the_middle_of_a_word_rules_out_a_reading",),
    ),
    Mutant(
        "offsets-names",
        "selection names ignored when choosing a reading",
        OFF,
        "score = (-matches, bad, words, rank)",
        "score = (0, bad, words, rank)",
        (K + "test_selection_names_outweigh_clean_boundaries",),
    ),
    Mutant(
        "offsets-name-ellipsis",
        "a name cut with three dots is not recognised",
        OFF,
        'if name.endswith(("…", "..."))',
        'if name.endswith("…")',
        (K + "test_selection_name_rules",),
    ),
    Mutant(
        "offsets-name-squash",
        "white space in a name compared as is",
        OFF,
        "    name = _squash(name)\n",
        "    name = name.strip()\n",
        (K + "test_selection_name_rules",),
    ),
    Mutant(
        "import-span-empty",
        "an empty span (start = end) accepted",
        IMP,
        "if not (0 <= start < end <= len(text)):",
        "if not (0 <= start <= end <= len(text)):",
        (K + "test_codings_import_span_bounds",),
    ),
    Mutant(
        "import-span-negative",
        "a negative start accepted",
        IMP,
        "if not (0 <= start < end <= len(text)):",
        "if not (start < end <= len(text)):",
        (K + "test_codings_import_span_bounds",),
    ),
    Mutant(
        "import-span-past-end",
        "an end one past the document accepted",
        IMP,
        "if not (0 <= start < end <= len(text)):",
        "if not (0 <= start < end <= len(text) + 1):",
        (K + "test_codings_import_span_bounds",),
    ),
    Mutant(
        "import-span-to-end",
        "a span ending at the document's end refused",
        IMP,
        "if not (0 <= start < end <= len(text)):",
        "if not (0 <= start < end < len(text)):",
        (K + "test_codings_import_span_bounds",),
    ),
    Mutant(
        "segment-span-bounds",
        "a sub-span may reach past its segment's end",
        COD,
        "if not (s_start <= start < end <= s_end):",
        "if not (s_start <= start < end <= s_end + 1):",
        (K + "test_codings_import_span_bounds",),
    ),
    # (Dropping only `key in seen` is an equivalent mutant: the same connection sees the row just inserted.)
    Mutant(
        "import-in-file-duplicates",
        "a row repeated in one file is counted as a second row of its coding",
        "qualcode/store/codings_import.py",
        "            if stated in seen_rows:\n                repeats += 1",
        "            if False:\n                repeats += 1",
        (K + "test_a_row_repeated_in_one_codings_file_is_added_once",),
    ),
    Mutant(
        "contribution-case",
        "contribution values are case-sensitive",
        COD,
        "value = value.strip().lower()",
        "value = value.strip()",
        (K + "test_contribution_values_are_checked_and_normalised",),
    ),
    Mutant(
        "contribution-unchecked",
        "any contribution value accepted",
        COD,
        "    if value not in CONTRIBUTION_CATEGORIES:\n",
        "    if False:\n",
        (K + "test_contribution_values_are_checked_and_normalised",),
    ),
    Mutant(
        "contribution-blank",
        "a blank contribution is an error, not 'none given'",
        COD,
        'if value is None or value.strip() == "":',
        "if value is None:",
        (K + "test_contribution_values_are_checked_and_normalised",),
    ),
    Mutant(
        "claim-caseless",
        "caseless evidence counts towards a claim's cases and source types",
        CON,
        "with_case = [i for i in items if i.case]",
        "with_case = list(items)",
        (
            K
            + "test_claims_sort_by_strength_then_cases_then_evidence_then_name_and_caseless_evidence_does_not_count",
        ),
    ),
    Mutant(
        "claim-sort-strength",
        "weakest claims first",
        CON,
        "(STRENGTH_ORDER[c.strength], -c.cases",
        "(-STRENGTH_ORDER[c.strength], -c.cases",
        (
            K
            + "test_claims_sort_by_strength_then_cases_then_evidence_then_name_and_caseless_evidence_does_not_count",
        ),
    ),
    Mutant(
        "claim-sort-cases",
        "fewest cases first",
        CON,
        "-c.cases, -len(c.evidence)",
        "c.cases, -len(c.evidence)",
        (
            K
            + "test_claims_sort_by_strength_then_cases_then_evidence_then_name_and_caseless_evidence_does_not_count",
        ),
    ),
    Mutant(
        "claim-sort-evidence",
        "least evidence first",
        CON,
        "-c.cases, -len(c.evidence)",
        "-c.cases, len(c.evidence)",
        (
            K
            + "test_claims_sort_by_strength_then_cases_then_evidence_then_name_and_caseless_evidence_does_not_count",
        ),
    ),
    Mutant(
        "claim-sort-casefold",
        "claim names sorted case-sensitively",
        CON,
        "c.claim.casefold())",
        "c.claim)",
        (
            K
            + "test_claims_sort_by_strength_then_cases_then_evidence_then_name_and_caseless_evidence_does_not_count",
        ),
    ),
    Mutant(
        "turns-seen-twice",
        "a label must be seen three times",
        TUR,
        "if n >= 2 or _KNOWN_LABEL_RE",
        "if n >= 3 or _KNOWN_LABEL_RE",
        (K + "test_a_label_seen_twice_makes_a_transcript",),
    ),
    Mutant(
        "turns-one-line",
        "one labelled line makes a transcript",
        TUR,
        "if not anchors or turn_lines < 2:",
        "if not anchors or turn_lines < 1:",
        (K + "test_a_known_label_seen_once_is_not_enough",),
    ),
    Mutant(
        "turns-three-lines",
        "two labelled lines are not enough",
        TUR,
        "if not anchors or turn_lines < 2:",
        "if not anchors or turn_lines <= 2:",
        (K + "test_a_label_seen_twice_makes_a_transcript",),
    ),
    Mutant(
        "turns-label-words-3",
        "labels limited to three words",
        TUR,
        "_MAX_LABEL_WORDS = 4",
        "_MAX_LABEL_WORDS = 3",
        (K + "test_labels_of_up_to_four_words",),
    ),
    Mutant(
        "turns-label-words-5",
        "labels of five words accepted",
        TUR,
        "_MAX_LABEL_WORDS = 4",
        "_MAX_LABEL_WORDS = 5",
        (K + "test_labels_of_up_to_four_words",),
    ),
    Mutant(
        "fuzz-importer-never-succeeds",
        "the caption importer refuses every file",
        "qualcode/ingest/transcripts.py",
        "    import webvtt  # deferred: only needed for caption files",
        '    raise InputError(f"{path.name}: refused")',
        (F + "test_importer_accepts_valid_generated_input[vtt]",),
    ),
    Mutant(
        "fuzz-garbage-accepted",
        "binary files accepted as text",
        "qualcode/ingest/common.py",
        'if b"\\x00" in data[:8192]:',
        "if False:",
        (F + "test_importer_refuses_garbage_with_an_input_error[txt]",),
    ),
    Mutant(
        "layers-core-imports-app",
        "core imports a use case (and so the store)",
        "qualcode/core/models.py",
        "from dataclasses import dataclass, field\n",
        "from dataclasses import dataclass, field\n\nimport qualcode.app.reporting  # noqa\n",
        ("tests/test_layers.py::test_import_linter_contracts_are_kept",),
    ),
    Mutant(
        "layers-sql-in-reports",
        "a report reads the database itself",
        AG,
        "    known = known_coders(project)",
        '    known = {r[0] for r in project.conn.execute("SELECT name FROM coders")}',
        ("tests/test_layers.py::test_reports_hold_no_sql",),
    ),
    Mutant(
        "turns-chair",
        "'Chair' not recognised as the research team",
        TUR,
        "|q|chair|note ?taker)",
        "|q|note ?taker)",
        (K + "test_the_chair_is_research_team",),
    ),
]
