"""One self-contained HTML report of the demos: figures inlined as base64 PNG, one section
per lecture topic, the numbers measured in this run. No external resources (no scripts,
fonts or stylesheets fetched), so it opens anywhere, offline.
"""
import base64
import datetime
import html
import os
import platform

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
       color: #1f2937; background: #f9fafb; line-height: 1.45; }
header { background: #1e3a8a; color: white; padding: 1.2em 2em; }
header h1 { margin: 0 0 .2em 0; font-size: 1.7em; }
header p { margin: .2em 0; opacity: .9; }
main { max-width: 1200px; margin: 0 auto; padding: 1em 2em 3em 2em; }
nav ol { columns: 2; }
section { background: white; border: 1px solid #e5e7eb; border-radius: 8px;
          padding: 1em 1.5em; margin: 1.2em 0; }
section h2 { margin-top: .2em; color: #1e3a8a; }
ul.summary li { margin: .25em 0; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e5e7eb; }
figcaption { font-size: .85em; color: #6b7280; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #d1d5db; padding: .25em .6em; text-align: left; }
th { background: #f3f4f6; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
.lecture { color: #4b5563; font-style: italic; }
footer { color: #6b7280; font-size: .85em; text-align: center; padding: 1em; }
"""


def img_tag(path, alt=None):
    """An <img> with the PNG at `path` inlined as a data: URI.

    >>> import os, tempfile
    >>> from chainrule.viz import plots
    >>> from chainrule.viz.report import img_tag
    >>> fig, ax = plots.figure()
    >>> png = plots.save(fig, os.path.join(tempfile.mkdtemp(), "empty.png"))
    >>> img_tag(png)[:60]
    '<figure><img src="data:image/png;base64,iVBORw0KGgoAAAANSUhE'
    """
    with open(path, "rb") as fh:
        data = base64.b64encode(fh.read()).decode("ascii")
    alt = alt or os.path.basename(path)
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
            f'<figcaption>{html.escape(os.path.basename(path))}</figcaption></figure>')


def section_html(anchor, title, intro, summary, body_html, figures):
    """One <section>: heading, lecture context, measured summary, figures, extra HTML.

    >>> from chainrule.viz.report import section_html
    >>> print(section_html("xor", "XOR", "Minsky and Papert, 1969.", ["accuracy 75%"], "", []))
    <section id="xor"><h2>XOR</h2>
    <p class="lecture">Minsky and Papert, 1969.</p>
    <ul class="summary"><li>accuracy 75%</li></ul>
    </section>
    """
    parts = [f'<section id="{html.escape(anchor)}"><h2>{html.escape(title)}</h2>']
    if intro:
        parts.append(f'<p class="lecture">{html.escape(intro)}</p>')
    if summary:
        parts.append('<ul class="summary">' + "".join(
            f"<li>{html.escape(s)}</li>" for s in summary) + "</ul>")
    parts += [img_tag(f) for f in figures]
    if body_html:
        parts.append(body_html)
    parts.append("</section>")
    return "\n".join(parts)


def build_report(sections, path, title="chainrule: the lecture, run", subtitle=None,
                 footer=None):
    """Write the report to `path`. sections: list of dicts with keys anchor, title, intro,
    summary (list of str), html (str), figures (list of PNG paths). Returns `path`.

    >>> import os, tempfile
    >>> from chainrule.viz.report import build_report
    >>> path = build_report([{"anchor": "xor", "title": "XOR", "summary": ["accuracy 75%"]}],
    ...                     os.path.join(tempfile.mkdtemp(), "report.html"))
    >>> text = open(path, encoding="utf-8").read()
    >>> text.startswith("<!DOCTYPE html>"), "accuracy 75%" in text
    (True, True)
    """
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    toc = "<nav><h3>Contents</h3><ol>" + "".join(
        f'<li><a href="#{html.escape(s["anchor"])}">{html.escape(s["title"])}</a></li>'
        for s in sections) + "</ol></nav>"
    body = "\n".join(section_html(s["anchor"], s["title"], s.get("intro"), s.get("summary"),
                                  s.get("html", ""), s.get("figures", [])) for s in sections)
    sub = subtitle or ""
    foot = footer or (f"Generated {now} by chainrule on Python {platform.python_version()} "
                      f"({platform.machine()}).")
    doc = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<header><h1>{html.escape(title)}</h1><p>{html.escape(sub)}</p></header>
<main>
{toc}
{body}
</main>
<footer>{html.escape(foot)}</footer>
</body>
</html>
"""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(doc)
    return path
