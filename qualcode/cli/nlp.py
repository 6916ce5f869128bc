"""Commands for suggested codes: `suggest` (rank codes for segments) and `suggest evaluate` (measure quality)."""

from __future__ import annotations

from typing import Any

import click
from rich.text import Text

from qualcode.cli.common import (
    QualcodeGroup,
    coder_opt,
    embeddings_opt,
    embeddings_wanted,
    emit_json,
    err,
    json_opt,
    open_project,
    out,
    project_arg,
    table,
)
from qualcode.core.display import safe_text
from qualcode.errors import InputError

_DEFAULT = "__suggest__"


class SuggestGroup(QualcodeGroup):
    """`suggest PROJECT ...` runs the suggestion command; `suggest evaluate PROJECT ...` the subcommand."""

    def __init__(self, *args: Any, default: click.Command, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [_DEFAULT, *args]
        return super().parse_args(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.default if cmd_name == _DEFAULT else super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        return ("" if name == _DEFAULT else name), command, rest

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "PROJECT [--segment ID | --document NAME | --all] [OPTIONS]")
        formatter.write_usage(ctx.command_path, "evaluate PROJECT [OPTIONS]", prefix="       ")
        formatter.write_usage(ctx.command_path, "next PROJECT [OPTIONS]", prefix="       ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            r
            for r in (
                p.get_help_record(ctx) for p in self.default.get_params(ctx) if isinstance(p, click.Option)
            )
            if r
        ]
        with formatter.section("Options"):
            formatter.write_dl(rows)
        self.format_commands(ctx, formatter)


@click.command(_DEFAULT)
@project_arg
@click.option("--segment", "segment_id", type=int, help="Suggest for this segment id.")
@click.option("--document", help="Suggest for every segment of this document.")
@click.option("--all", "all_segments", is_flag=True, help="Suggest for every segment of the project.")
@click.option(
    "--top", "top_k", type=click.IntRange(1, 50), default=5, show_default=True, help="Codes per segment."
)
@embeddings_opt
@coder_opt
@json_opt
def suggest_codes(
    project: str,
    segment_id: int | None,
    document: str | None,
    all_segments: bool,
    top_k: int,
    embeddings: bool | None,
    coder: str | None,
    as_json: bool,
) -> None:
    """Suggest codes for segments, best first, each with its score and reason."""
    chosen = sum(x for x in (segment_id is not None, document is not None, all_segments))
    if chosen != 1:
        raise InputError("choose exactly one of --segment ID, --document NAME or --all")
    # spaCy and scikit-learn load here, not at start-up: most commands never need them.
    from qualcode.cli.progress import working
    from qualcode.nlp.suggest import Suggester
    from qualcode.store.documents import get_segment, list_segments

    with working(err, "Learning from the codings") as report, open_project(project, coder) as p:
        rows = [get_segment(p, segment_id)] if segment_id is not None else list_segments(p, document)
        suggester = Suggester.from_project(p, coder, embeddings=embeddings_wanted(embeddings))
        segments = [(r["id"], r["text"]) for r in rows]
        if suggester.emb is not None:
            from qualcode.store.embeddings import stored_vectors

            suggester.emb.add(stored_vectors(p, suggester.emb.model_id, [sid for sid, _ in segments]))
        result: dict[int, list[Any]] = {}
        for i in range(0, len(rows), 1000):
            report("Suggesting codes for segments", i, len(rows))
            result.update(suggester.suggest(segments[i : i + 1000], top_k=top_k))
        if suggester.emb is not None:  # computed once per segment: kept for the next run
            from qualcode.nlp.embeddings import keep_new

            keep_new(p, suggester.emb, [*segments, *suggester.training_segments])
    if as_json:
        emit_json(
            {
                str(sid): [{"code": s.code, "score": s.score, "reason": s.reason} for s in result[sid]]
                for sid in (r["id"] for r in rows)
            }
        )
        return
    if len(rows) == 1:
        out.print(Text(safe_text(f"Segment {rows[0]['id']}: {rows[0]['text']}")))
    lines = [
        [r["id"], n + 1, s.code, f"{s.score:.2f}", s.reason]
        for r in rows
        for n, s in enumerate(result[r["id"]])
    ]
    table(
        ["segment", "#", "code", "score", "reason"],
        lines,
        title=f"Suggestions ({suggester.version}, {suggester.n_training} segments learned from)",
    )


suggest = SuggestGroup(
    "suggest",
    default=suggest_codes,
    help=(
        "Suggest codes for segments (qualcode suggest PROJECT --segment ID | --document NAME | --all), or measure "
        "how good the suggestions are (qualcode suggest evaluate PROJECT)."
    ),
)


@suggest.command("evaluate")
@project_arg
@click.option(
    "--folds", type=click.IntRange(2, 50), default=5, show_default=True, help="Cross-validation folds."
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Score at or above which a code counts as proposed, for per-code precision and recall (default 0.1)"
    "; the same scale as autocode --min-score.",
)
@click.option(
    "--group-by",
    type=click.Choice(["case", "document"]),
    default="case",
    show_default=True,
    help="Keep each participant's (or document's) segments in one fold, so tests use unseen text.",
)
@click.option(
    "--curve",
    is_flag=True,
    help="Also measure a learning curve: quality after 10, 20, 40, ... coded"
    " segments chosen at random or by uncertainty sampling (slower).",
)
@embeddings_opt
@json_opt
def suggest_evaluate(
    project: str,
    folds: int,
    threshold: float | None,
    group_by: str,
    curve: bool,
    embeddings: bool | None,
    as_json: bool,
) -> None:
    """Cross-validate suggestions on the project's human codings: precision@1, recall@3, hit@3, recall@5 from the
    codebook alone and trained (and with the embedding model, when installed); per-code precision and recall at
    a threshold; codes that need help."""
    from qualcode.cli.progress import working
    from qualcode.nlp.evaluate import DEFAULT_THRESHOLD, evaluate_project, per_code_rows, shortfalls

    with working(err, "Cross-validating the suggestions"), open_project(project) as p:
        cache = None
        if embeddings_wanted(embeddings):
            from qualcode.nlp.embeddings import project_cache
            from qualcode.store.suggestions import segment_texts

            coded = [(r["id"], r["text"]) for r in segment_texts(p)]
            cache = project_cache(p, [sid for sid, _ in coded])
        result = evaluate_project(
            p,
            folds=folds,
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            group_by=group_by,
            curve=curve,
            embeddings=cache,
        )
        if cache is not None:
            from qualcode.nlp.embeddings import keep_new

            keep_new(p, cache, coded)
    if as_json:
        emit_json(result)
        return
    learned, cold = result["learned"], result["cold_start"]
    out.print(
        f"{result['coded_segments']} coded segments, {result['codes']} codes; {result['folds']} folds grouped by"
        f" {result['grouped_by']}: each fold trains on"
        f" {result['mean_training_share']:.0%} of the coded segments and is tested on participants it never saw."
    )
    names = [
        ("precision_at_1", "precision@1 (top code is right)"),
        ("recall_at_3", "recall@3 (share of codes in top 3)"),
        ("hit_at_3", "hit@3 (a code in top 3)"),
        ("recall_at_5", "recall@5"),
    ]
    emb = result.get("embeddings")
    extra = ["cold + embeddings", "warm + embeddings"] if emb else []
    table(
        ["figure", "codebook only (cold)", "trained (warm)", *extra],
        [
            [
                label,
                f"{cold[k]:.3f}",
                f"{learned[k]:.3f}",
                *([f"{emb['cold_start'][k]:.3f}", f"{emb['learned'][k]:.3f}"] if emb else []),
            ]
            for k, label in names
        ]
        + [
            [
                f"micro precision / recall / F1 at {learned['threshold']:.2f}",
                "",
                f"{learned['micro']['precision']:.3f} / {learned['micro']['recall']:.3f} / {learned['micro']['f1']:.3f}",
                *(["", ""] if emb else []),
            ]
        ],
        title="Quality on held-out segments" + (f" (embeddings: {emb['model']})" if emb else ""),
    )
    table(
        ["score at least", "precision", "recall", "F1"],
        [
            [f"{t['threshold']:.2f}", f"{t['precision']:.3f}", f"{t['recall']:.3f}", f"{t['f1']:.3f}"]
            for t in learned["threshold_scan"]
        ],
        title="What a threshold means (all codes pooled)",
    )
    if "learning_curve" in result:
        table(
            [
                "coded segments",
                "random: p@1",
                "random: recall@3",
                "uncertainty: p@1",
                "uncertainty: recall@3",
            ],
            [
                [
                    c["coded_segments"],
                    f"{c['random']['precision_at_1']:.3f}",
                    f"{c['random']['recall_at_3']:.3f}",
                    f"{c['uncertainty']['precision_at_1']:.3f}",
                    f"{c['uncertainty']['recall_at_3']:.3f}",
                ]
                for c in result["learning_curve"]
            ],
            title="Learning curve: coded segments chosen at random or least-sure first",
        )
    table(
        ["code", "support", "proposed", "precision", "recall", "F1"],
        [
            [
                r["code"],
                r["support"],
                r["predicted"],
                f"{r['precision']:.2f}",
                f"{r['recall']:.2f}",
                f"{r['f1']:.2f}",
            ]
            for r in per_code_rows(result)
        ],
        title=f"Per code at score {learned['threshold']:.2f} (what autocode --min-score {learned['threshold']:.2f} would do)",
    )
    if result["codes_needing_help"]:
        table(
            ["code", "examples", "coded", "recall@3", "what would help"],
            [
                [
                    r["code"],
                    r["examples"],
                    r["coded_segments"],
                    "" if r["recall_at_3"] is None else f"{r['recall_at_3']:.2f}",
                    r["what_would_help"],
                ]
                for r in result["codes_needing_help"]
            ],
            title="Codes that need help",
        )
    table(
        ["target", "value", "goal", "met"],
        [
            [t["target"], f"{t['value']:.3f}", f"{t['goal']:.2f}", "yes" if t["met"] else "NO"]
            for t in result["targets"]
        ],
        title="Targets",
    )
    for note in shortfalls(result):
        err.print(note)


@suggest.command("next")
@project_arg
@click.option(
    "--top", "limit", type=click.IntRange(1, 500), default=20, show_default=True, help="How many segments."
)
@click.option("--document", help="Only segments of this document.")
@coder_opt
@json_opt
def suggest_next(project: str, limit: int, document: str | None, coder: str | None, as_json: bool) -> None:
    """What to code next: uncoded segments the suggester is least sure about (coding them teaches it most)."""
    from qualcode.app.autocode import least_sure
    from qualcode.cli.progress import working

    with working(err, "Scoring the uncoded segments"), open_project(project, coder) as p:
        rows = least_sure(p, p.coder, limit, document)
    if as_json:
        emit_json(rows)
        return
    table(
        ["segment", "document", "uncertainty", "best guess", "text"],
        [
            [r["segment_id"], r["document"], f"{r['uncertainty']:.2f}", r["best_guess"], r["text"]]
            for r in rows
        ],
        title="Least sure first: code these next",
    )


def register(cli: click.Group) -> None:
    cli.add_command(suggest)
