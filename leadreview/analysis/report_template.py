"""The page every HTML report shares: inline CSS, no script, nothing fetched.

Every report (comparison, sweep, and later the audit log) is a title, a headline, a list
of sections and the sources. Callers pass HTML they have already escaped; this module
escapes only what it is given as plain text (the title, the headings, the sources).
"""

from dataclasses import dataclass
from html import escape

CSS = """
:root { --ink:#1d232b; --muted:#5b6673; --line:#d8dee6; --band:#f4f6f9; --accent:#0b5cad;
        --warn:#a3350a; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
       color:var(--ink); background:#fff; }
header { background:var(--ink); color:#fff; padding:28px 40px 22px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:650; }
header p { margin:0; color:#c9d2dc; }
main { max-width:1180px; margin:0 auto; padding:8px 40px 40px; }
.headline { font-size:17px; border-left:4px solid var(--accent); background:var(--band);
            padding:14px 18px; margin:24px 0; }
.headline p { margin:6px 0; }
h2 { font-size:20px; margin:36px 0 8px; padding-bottom:4px; border-bottom:1px solid var(--line); }
h3 { font-size:16px; margin:22px 0 6px; }
.note { color:var(--muted); font-size:13px; }
table { border-collapse:collapse; width:100%; margin:8px 0 16px; font-size:13.5px; }
th, td { padding:6px 9px; border-bottom:1px solid var(--line); text-align:right;
         vertical-align:top; }
th { background:var(--band); font-weight:600; }
th:first-child, td:first-child { text-align:left; }
td .ci { display:block; color:var(--muted); font-size:11.5px; white-space:nowrap; }
td .ratio { display:block; font-size:12px; }
td .ratio.high { color:var(--warn); font-weight:600; }
th[scope=row] { background:none; font-weight:600; text-align:left; }
caption { text-align:left; font-size:13px; color:var(--muted); padding:4px 0; }
td.verdict { text-align:left; }
td.verdict.worse { color:var(--warn); font-weight:650; }
td.verdict.better { color:#1c6b3a; font-weight:650; }
.scroll { overflow-x:auto; -webkit-overflow-scrolling:touch; }
p.empty { border:1px dashed var(--line); padding:12px 16px; color:var(--muted); }
figure { margin:14px 0 10px; }
figure svg { width:100%; height:auto; }
figcaption { color:var(--muted); font-size:13px; }
dl.glossary dt { font-weight:650; margin-top:8px; }
dl.glossary dd { margin:2px 0 0 18px; font-size:14px; }
ol.sources li { margin:4px 0; font-size:13.5px; overflow-wrap:anywhere; }
footer { color:var(--muted); font-size:12px; border-top:1px solid var(--line);
         padding:14px 40px; }
@media (max-width: 700px) {
  header { padding:18px 16px 14px; }
  header h1 { font-size:21px; }
  main { padding:4px 14px 28px; }
  .headline { font-size:16px; padding:10px 12px; }
  table { font-size:12.5px; }
  th, td { padding:5px 6px; }
  /* A chart keeps a legible size and scrolls sideways, rather than shrinking its labels. */
  figure { overflow-x:auto; }
  figure svg { min-width:620px; }
  footer { padding:12px 16px; }
}
@media print {
  header { background:none; color:var(--ink); border-bottom:2px solid var(--ink); }
  header p { color:var(--muted); }
  main { max-width:none; padding:0 8px; }
  .scroll { overflow:visible; }
  figure, table, .headline, dl.glossary dd { break-inside:avoid; }
  h2, h3 { break-after:avoid; }
  a { color:inherit; }
}
"""


@dataclass(frozen=True)
class Section:
    heading: str  # plain text
    body_html: str  # already escaped


def page(
    *,
    title: str,
    subtitle: str,
    headline_html: str,
    sections: list[Section],
    sources: list[str],
    footer: str,
) -> str:
    body = "\n".join(
        f"<section>\n<h2>{escape(s.heading)}</h2>\n{s.body_html}\n</section>" for s in sections
    )
    cited = "\n".join(f"<li>{escape(s)}</li>" for s in sources)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>
<main>
<div class="headline">{headline_html}</div>
{body}
<section id="sources">
<h2>Sources</h2>
<ol class="sources">
{cited}
</ol>
</section>
</main>
<footer>{escape(footer)}</footer>
</body>
</html>
"""
