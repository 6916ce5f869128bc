"""Closed survey questions as terminal bar charts: each option's share of the question's base, base stated."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from qualcode.core.display import safe_text
from qualcode.reports.settings import ReportSettings

PERCENT_MIN_BASE = ReportSettings().percent_min_cases  # below this many answers: "k of N", never a percentage
COLOUR = "#4C9BE8"


def share_bar(count: int, base: int, percent: float, width: int) -> Text:
    """ "p% (k)" and a bar scaled to the percentage; with a base below the reports' threshold "k of N" and one
    block per answer, so twelve respondents are never shown as a precise percentage."""
    if base < PERCENT_MIN_BASE:
        text = Text(f"{count} of {base}".ljust(10))
        text.append("█" * count, style=COLOUR)
        text.append("·" * (base - count), style="grey30")
        return text
    filled = round(percent / 100 * width)
    text = Text(f"{percent:.0f}% ({count})".ljust(10))
    text.append("█" * filled, style=COLOUR)
    text.append("·" * (width - filled), style="grey30")
    return text


def question_table(q: dict[str, Any], width: int) -> Group:
    """One question: a heading with its base, then one line per option (ranking: one line per item, its score)."""
    table = Table(box=None, pad_edge=False, expand=False, show_header=False)
    # Option labels wrap rather than lose characters; the figures never wrap.
    table.add_column("option", max_width=18 if width < 60 else 32, overflow="fold")
    table.add_column("figure", no_wrap=True)
    bar_width = 10 if width < 60 else 16
    if q["type"] == "ranking":  # one line per item (wrapping, never cut): its score and mean rank
        return Group(
            *[
                Text(
                    f"{safe_text(str(item['item']))}: score {item['score']:.2f} · mean rank "
                    f"{item['mean_rank']:.2f} (n={item['answered']})"
                )
                for item in q.get("items") or []
            ]
        )
    for option in q.get("options") or []:
        table.add_row(
            safe_text(str(option["value"])),
            share_bar(int(option["count"]), int(q["base"]), float(option["percent"]), bar_width),
        )
    top2 = q.get("top2")
    if not top2:
        return Group(table)
    figure = (
        f"{top2['percent']:.0f}% ({top2['count']})"
        if q["base"] >= PERCENT_MIN_BASE
        else f"{top2['count']} of {q['base']}"
    )
    return Group(
        table,
        Text(
            "top two (" + " + ".join(safe_text(str(v)) for v in top2["values"]) + f"): {figure}", style="dim"
        ),
    )


def base_line(q: dict[str, Any]) -> str:
    if q["type"] == "multiple":
        return f"base {q['base']} who answered, of {q['respondents']}; more than one answer allowed"
    if q["type"] == "ranking":
        return (
            f"base {q['base']} who ranked, of {q['respondents']}; score: ranking average (higher is better)"
        )
    return f"base {q['base']} who answered, of {q['respondents']}"


def survey_chart(data: dict[str, Any], width: int = 200) -> Group | Text:
    """Every instrument and wave of the survey report's JSON, each closed question with its base."""
    parts: list[Any] = []
    for inst in data.get("instruments") or []:
        wave = f", wave {inst['wave']}" if inst.get("wave") else ""
        parts.append(
            Text(
                f"{safe_text(inst['name'])}{wave}: {inst['respondents']} respondents", style="bold underline"
            )
        )
        for q in inst.get("questions") or []:
            heading = Text(safe_text(q["label"] or q["question"]), style="bold")
            heading.append(f"  ({base_line(q)})", style="dim")
            parts += [heading, question_table(q, width), Text("")]
    if not parts:
        return Text("No survey questions in this project (qualcode survey import adds them).", style="dim")
    return Group(*parts)
