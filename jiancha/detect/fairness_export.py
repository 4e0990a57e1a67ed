"""The ethics review (算法伦理审查) as files: an xlsx workbook and a PDF, in the reader's language.

The PDF embeds a CJK font installed on the server (fonts-noto-cjk, which ``make setup`` installs;
the candidates are listed in ``indicators/_fairness.yaml``): fpdf2 subsets it, so the file carries
only the glyphs it uses and needs nothing from the network to make or to read.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from jiancha.synth.xlsx import write_workbook

from .fairness import MEASURE_PARTS, MEASURES, Measure, Review, Table


class PdfFontMissing(RuntimeError):
    pass


def _title(review: Review) -> str:
    return _("Ethics review of the indicators: %(region)s") % {"region": review.region.name}


def _notice() -> str:
    return _(
        "Rates and flags are for reviewing the indicators themselves. They are not findings about any "
        "person, unit or group."
    )


def _rule(review: Review) -> str:
    config = review.config
    return _(
        "A group is flagged when its rate divided by the overall rate is at least %(high)s or at most "
        "%(low)s, if it has at least %(population)s subjects (alert rates) or %(reviewed)s reviewed "
        "alerts (confirmation rates)."
    ) % {
        "high": config.ratio_high,
        "low": config.ratio_low,
        "population": config.min_population,
        "reviewed": config.min_reviewed,
    }


def flag_text(measure: Measure) -> str:
    return {"high": _("high"), "low": _("low")}.get(measure.flag, "")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _about(review: Review) -> list[list[Any]]:
    return [
        [_title(review)],
        [_("Region"), f"{review.region.name} ({review.region.code})"],
        [_("As of"), review.as_of],
        [_("Alerts"), review.alerts],
        [_("Reviewed"), review.reviewed],
        [_("Confirmed"), review.confirmed],
        [_("Persons alerted outside the register"), review.outside_register],
        [_rule(review)],
        [_notice()],
    ]


def _sheet(table: Table) -> list[list[Any]]:
    header: list[Any] = [str(table.title)]
    for code in table.measures:
        numerator, denominator = MEASURE_PARTS[code]
        name = str(MEASURES[code])
        header += [f"{name}: {numerator}", f"{name}: {denominator}", name, _("ratio"), _("flag")]
    rows: list[list[Any]] = [header]
    for label, measures in [(_("Overall"), table.overall), *((g.label, g.measures) for g in table.groups)]:
        row: list[Any] = [label]
        for code in table.measures:
            m = measures[code]
            row += [m.numerator, m.denominator, m.rate, m.ratio, flag_text(m)]
        rows.append(row)
    return rows


def to_xlsx(review: Review) -> bytes:
    buffer = io.BytesIO()
    write_workbook(
        buffer,
        [(_("About"), _about(review)), *((str(t.title), _sheet(t)) for t in review.tables)],
        title=_title(review),
        author="Jiancha",
        created=dt.datetime.combine(review.as_of, dt.time()),
    )
    return buffer.getvalue()


def _font(review: Review) -> tuple[str, int]:
    for path, index in review.config.pdf_fonts:
        if Path(path).is_file():
            return path, index
    raise PdfFontMissing(
        _(
            "No Chinese font for the PDF: install fonts-noto-cjk (make setup does) or name one in _fairness.yaml."
        )
    )


def to_pdf(review: Review) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path, index = _font(review)
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_creator("Jiancha")
    pdf.set_title(_title(review))
    pdf.set_creation_date(dt.datetime.combine(review.as_of, dt.time(), tzinfo=dt.UTC))
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    pdf.multi_cell(0, 9, _title(review), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for label, value in (
        (_("As of"), review.as_of.isoformat()),
        (_("Alerts"), str(review.alerts)),
        (_("Reviewed"), str(review.reviewed)),
        (_("Confirmed"), str(review.confirmed)),
        (_("Persons alerted outside the register"), str(review.outside_register)),
    ):
        pdf.multi_cell(0, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.multi_cell(0, 5, _rule(review), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, _notice(), new_x="LMARGIN", new_y="NEXT")
    bold = FontFace(emphasis=None, fill_color=(235, 235, 240))
    for table in review.tables:
        pdf.ln(3)
        pdf.set_font("cjk", size=11)
        pdf.multi_cell(0, 7, str(table.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=8)
        widths = [40] + [22, 18, 14] * len(table.measures)
        with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", headings_style=bold) as out:
            heading = out.row()
            heading.cell(str(table.title))
            for code in table.measures:
                numerator, denominator = MEASURE_PARTS[code]
                heading.cell(f"{MEASURES[code]} ({numerator}/{denominator})")
                heading.cell(_("rate"))
                heading.cell(_("ratio"))
            groups = [(_("Overall"), table.overall), *((g.label, g.measures) for g in table.groups)]
            for label, measures in groups:
                row = out.row()
                row.cell(label)
                for code in table.measures:
                    m = measures[code]
                    row.cell(f"{m.numerator}/{m.denominator}")
                    flag = flag_text(m)
                    row.cell(f"{_percent(m.rate)} {flag}".strip())
                    row.cell(_ratio(m.ratio))
    return bytes(pdf.output())
