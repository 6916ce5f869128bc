"""Self-contained HTML report: inline CSS and SVG charts, no external resources, every text escaped."""

from __future__ import annotations

from html import escape

from qualcode.core.reportdoc import BarChart, Cell, Heading, Paragraph, QuoteList, ReportDoc, Table
from qualcode.export.cells import clean
from qualcode.export.charts import svg_bar_chart

# Nothing may load from elsewhere, and no script may run, even if a quote smuggled markup past escaping.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; color: #222; margin: 2rem auto; max-width: 1200px;
       padding: 0 1rem; line-height: 1.4; }
h1, h2, h3, caption { font-family: Helvetica, Arial, sans-serif; }
h1 { font-size: 1.7rem; border-bottom: 3px solid #0072B2; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; color: #0b4f7a; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 .3rem; font-size: .86rem; }
table.wide { font-size: .78rem; }
caption { text-align: left; font-weight: bold; font-size: 1rem; padding: .3rem 0; }
th, td { border: 1px solid #bbb; padding: .3rem .45rem; vertical-align: top; text-align: left; }
th { background: #0b4f7a; color: #fff; font-family: Helvetica, Arial, sans-serif; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group td { background: #e8f0f6; }
tr.group td:nth-child(-n+2), tr.group td.num { font-weight: bold; }
.quote { margin: 0 0 .35rem; }
.quote q, td.quote { font-style: italic; }
.attr { color: #444; font-style: normal; font-size: .92em; }
.ref { color: #888; font-size: .8em; }
.status-accepted::after { content: " \\2713 accepted"; color: #197a33; font-size: .75em; }
.note { color: #555; font-size: .82rem; margin: .2rem 0 1rem; }
.more { color: #555; font-size: .85em; }
dl.prov { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; font-size: .82rem; color: #444;
          background: #f6f6f6; padding: .6rem .8rem; border-radius: 4px; }
dl.prov dt { font-weight: bold; } dl.prov dd { margin: 0; word-break: break-all; }
figure { margin: 1rem 0; break-inside: avoid; } figure svg { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  .scroll { overflow: visible; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  @page { size: A4 landscape; margin: 12mm; }
}
"""


def esc(text: str) -> str:
    return escape(clean(text), quote=True)


def _text_html(text: str) -> str:
    return esc(text).replace("\n", "<br>")


def _cell(cell: Cell, quote_column: bool) -> tuple[str, str]:
    """(HTML content, CSS class) of a table cell."""
    if cell is None:
        return "", ""
    if isinstance(cell, QuoteList):
        parts = [f'<div class="note">{esc(cell.note)}</div>'] if cell.note else []
        for q in cell.quotes:
            ref = f' <span class="ref">coding {q.coding_id}</span>' if q.coding_id is not None else ""
            status = f' class="status-{esc(q.status)}"' if q.status == "accepted" else ""
            parts.append(
                f'<p class="quote"><q>{_text_html(q.text)}</q> <span class="attr">{esc(q.attribution)}'
                f"</span><span{status}></span>{ref}</p>"
            )
        if cell.more:
            parts.append(f'<div class="more">+{cell.more} more in the quotes report</div>')
        return "".join(parts), ""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return esc(f"{cell:g}" if isinstance(cell, float) else str(cell)), "num"
    return _text_html(str(cell)), "quote" if quote_column else ""


def _table(table: Table, caption: bool = True) -> str:
    out = [
        f'<div class="scroll"><table class="{"wide" if table.wide else ""}" id="t-{esc(table.key)}">',
        f"<caption>{esc(table.title)}</caption>" if caption else "",
        "<thead><tr>"
        + "".join(f'<th scope="col">{esc(c)}</th>' for c in table.columns)
        + "</tr></thead><tbody>",
    ]
    for i, row in enumerate(table.rows):
        cls = ' class="group"' if table.style(i) == "group" else ""
        if table.spans(i):
            out.append(f'<tr{cls}><td colspan="{len(table.columns)}">{_cell(row[0], False)[0]}</td></tr>')
            continue
        cells = []
        for j, value in enumerate(row):
            content, css = _cell(value, j in table.quote_columns)
            cells.append(f'<td class="{css}">{content}</td>' if css else f"<td>{content}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    if table.note:
        out.append(f'<p class="note">{esc(table.note)}</p>')
    return "\n".join(out)


def render_html(doc: ReportDoc) -> str:
    body = [f"<h1>{esc(doc.title)}</h1>", '<dl class="prov">']
    body += [f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>" for label, value in doc.provenance.lines()]
    body.append("</dl>")
    for block, caption in doc.captioned():
        if isinstance(block, Heading):
            level = min(block.level + 1, 6)
            body.append(f"<h{level}>{esc(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            if block.text:
                body.append(f"<p>{esc(block.text)}</p>")
        elif isinstance(block, Table):
            body.append(_table(block, caption))
        elif isinstance(block, BarChart):
            note = f'<figcaption class="note">{esc(block.note)}</figcaption>' if block.note else ""
            body.append(f"<figure>{svg_bar_chart(block)}{note}</figure>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="qualcode {esc(doc.provenance.qualcode_version)}">\n'
        f'<meta name="qualcode-project-sha256" content="{esc(doc.provenance.sha256)}">\n'
        f"<title>{esc(doc.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
