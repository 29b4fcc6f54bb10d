"""The PDF deliverable and the offline HTML: A4 pages, contents, headers, no CDN script."""

from __future__ import annotations

import re

import nbformat
import pytest

from toolkit import report


@pytest.fixture(scope="module")
def notebook():
    """A small executed-looking notebook: a title, two sections and a wide table."""
    wide = "<table><tr>" + "".join(f"<th>Region number {i}</th>" for i in range(14)) + "</tr>"
    wide += "<tr>" + "".join(f"<td>{i * 1000:,}</td>" for i in range(14)) + "</tr></table>"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Regional assessment: Testland\n\nSubtitle."),
        nbformat.v4.new_markdown_cell("## 1. Region profile\n\nText."),
        nbformat.v4.new_code_cell(
            "x",
            outputs=[nbformat.v4.new_output("display_data", data={"text/html": wide})],
        ),
        nbformat.v4.new_markdown_cell("## 2. Cluster portfolio\n\nMore text."),
    ]
    return nb


def test_offline_html_loads_nothing_from_the_network(notebook):
    body, _ = report.html_exporter().from_notebook_node(notebook)
    scripts = re.findall(r"<script[^>]*\bsrc=", body)
    assert scripts == []
    assert "mathjax" not in body.lower() and "require.js" not in body
    assert "Region profile" in body and "x</" not in body  # code hidden


def test_pdf_is_a4_with_contents_header_and_page_numbers(notebook):
    from weasyprint import CSS, HTML

    header = "Testland — EOCIC assessment · data 2020"
    data = report.pdf_bytes(notebook, "Testland", header)
    assert data.startswith(b"%PDF")
    body, _ = report.html_exporter(pdf=True).from_notebook_node(notebook)
    html = report._with_toc(body)
    assert html.count('<nav class="toc">') == 1 and 'href="#1.-Region-profile"' in html
    document = HTML(string=html).render(stylesheets=[CSS(string=report.pdf_css(header))])
    first = document.pages[0]
    # A4 = 210 x 297 mm = 595.3 x 841.9 pt (CSS px are 0.75 pt)
    assert first.width * 0.75 == pytest.approx(595.3, abs=1)
    assert first.height * 0.75 == pytest.approx(841.9, abs=1)
    assert len(document.pages) >= 2  # the contents page breaks before the text
    # No box runs past the right edge of the page content (the wide table is fitted).
    limit = first.width - first._page_box.margin_right + 1

    def boxes(box):
        yield box
        for child in getattr(box, "children", []):
            yield from boxes(child)

    for page in document.pages:
        for box in boxes(page._page_box):
            if type(box).__name__ in ("TableBox", "TableCellBox"):
                assert box.position_x + box.margin_width() <= limit


def test_pdf_css_puts_the_header_and_page_numbers_on_every_page():
    css = report.pdf_css("Wallonia — data 2020")
    assert 'content: "Wallonia \\u2014 data 2020"' in css or '"Wallonia' in css
    assert "counter(page)" in css and "counter(pages)" in css and "size: A4" in css
    assert "size: A4 landscape" in report.pdf_css("x", landscape=True)
