"""The 绩效自评工作报告 (Word) of one unit, written from its validated workbook.

The document is built as a list of named part steps (:data:`PARTS`), in order: page set-up, styles,
heading (optional 附件 marker and the title), the opening sections 一、二、三, one heading + 自评表
(a Word table in the seed's layout) + conclusion per project, 四、整改措施及结果应用, the 落款,
properties. The review notes (报送前核对事项: the form's errors, for the unit to correct) are a
document of their own beside it (:func:`build_review`), never part of what the unit sends.
Every sentence comes from the Jinja2 templates of :mod:`xlperf.report_text`; this module only lays
them out, in the look of a Chinese government document (GB/T 9704: A4, 仿宋_GB2312 三号 body, 黑体 and
楷体 headings, 方正小标宋简体 title, page number in the footer).

>>> from xlperf import api
>>> from xlperf.writers.report import write_report
>>> write_report(api.validate_file("workbooks/samples/长安区委编办_2020.xlsx"), "报告.docx")
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from xlperf import libreoffice
from xlperf.core import labels as L
from xlperf.core.engine import Validation
from xlperf.core.evaluate import TOTAL_CAPPED, ProjectResult, approval_note
from xlperf.core.findings import fmt_num, fmt_pct
from xlperf.core.model import Cell, Goal
from xlperf.core.names import shown_name
from xlperf.errors import OutputError
from xlperf.report_text import (
    BODY,
    HEADING1,
    HEADING2,
    Block,
    ReportFacts,
    ReportTexts,
    report_facts,
    signed_text,
    with_unit_text,
)
from xlperf.safe_io import atomic_write, claim_new_pair, clean_text, fit_name

# --- the look (GB/T 9704-2012 党政机关公文格式, as offices apply it to reports) -------------------------
FONT_BODY = "仿宋_GB2312"
FONT_HEADING1 = "黑体"
FONT_HEADING2 = "楷体_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_FOOTER = "宋体"
FONT_LATIN = "Times New Roman"
SIZE_BODY = Pt(16)  # 三号
SIZE_TITLE = Pt(22)  # 二号
SIZE_TABLE = Pt(10.5)  # 五号
SIZE_FOOTER = Pt(14)  # 四号
LINE_BODY = Pt(28)  # fixed line pitch: 22 lines a page
ZERO = Pt(0)
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}

STYLE_BODY = "Normal"
STYLE_HEADING1 = "Heading 1"
STYLE_HEADING2 = "Heading 2"
STYLE_TITLE = "Title"
STYLE_ATTACHMENT = "xlperf 附件标记"
STYLE_TABLE = "xlperf 表格文字"
STYLE_TABLE_HEAD = "xlperf 表格栏目"
STYLE_CONCLUSION = "xlperf 结论"
STYLE_SIGNATURE = "xlperf 落款"
STYLE_REVIEW = "xlperf 核对事项"
STYLE_REVIEW_HEAD = "xlperf 核对事项标题"

TWIPS_PER_CM = 567
TABLE_WIDTH = round(15.6 * TWIPS_PER_CM)  # the text width: 21 − 2.8 − 2.6 cm
SIDE_WIDTH = round(1.1 * TWIPS_PER_CM)  # the left column with 一、基本情况 … (two characters a line)
SNAP = round(0.3 * TWIPS_PER_CM)  # boundaries closer than this share one grid line

# the table's own labels (the form's, as in the seed and the template)
T_BASIC = "一、基本情况"
T_FUNDS = "二、预算执行情况"
T_GOALS = "三、目标完成情况"
T_INDICATORS = "四、年度绩效指标完成情况"
T_PROJECT_UNIT = "实施（主管）单位"
T_BUDGET_HEAD = "预算安排情况（调整后）"
T_PROGRESS_HINT = "（=执行数/预算数*100%）"
T_FUNDS_LABELS = (("预算数：", "到位数：", "执行数："), ("其中：财政资金",) * 3, ("其他",) * 3)


# --- entry points -----------------------------------------------------------------------------------


def write_report(
    validation: Validation,
    out: str | Path,
    pdf: bool = False,
    *,
    template_dir: str | Path | None = None,
    attachment: str = "",
    overwrite: bool = True,
    review: bool = True,
    review_out: str | Path | None = None,
) -> Path:
    """Write the unit's 绩效自评工作报告 as a Word file (and a PDF beside it when ``pdf``).

    Args:
        validation: the workbook's validation (:func:`xlperf.api.validate_file`).
        out: the .docx to write (a missing suffix becomes .docx); written atomically, never over the
            workbook itself.
        pdf: also write ``out`` with suffix .pdf, through LibreOffice (``soffice``).
        template_dir: a folder of edited templates overriding the shipped ones file by file.
        attachment: a marker above the title, e.g. ``附件3``; none when empty.
        overwrite: replace an existing file (False: refuse — a unit may have polished the last one).
        review: also write the review notes for the unit (报送前核对事项: the problems the validation
            found), as a document of their own beside the report (:func:`review_path`), never inside
            it; nothing when there is nothing to check; False leaves them out.
        review_out: where the review notes go instead of ``review_path(out)``: a name claimed for them
            (:func:`claim_report_paths`), written over whatever ``overwrite`` says.

    Returns:
        The path of the report written (the review notes, when written, are at ``review_path(out)``). Raises :class:`~xlperf.errors.XlperfError` subclasses with a
        Chinese message (template errors, output not writable, LibreOffice missing or failing).
    """
    out = Path(out)
    if out.suffix == "":
        out = out.with_suffix(".docx")
    if out.suffix.lower() != ".docx":
        raise OutputError(f"报告文件须以 .docx 结尾：{shown_name(out)}")
    out = out.with_name(fit_name(out.parent if str(out.parent) else ".", out.name))
    texts = ReportTexts(template_dir)
    doc = build_document(validation, texts, attachment=attachment)
    inputs = [validation.workbook.path] if validation.workbook.path else []
    notes = build_review(validation, texts) if review else None
    beside = review_path(out) if review_out is None else Path(review_out)
    if notes is not None and review_out is None and beside.exists() and not overwrite:  # before either file
        raise OutputError(f"输出文件已存在：{shown_name(beside)}（如需覆盖请加 --force）")
    atomic_write(out, lambda tmp: doc.save(str(tmp)), inputs=inputs, overwrite=overwrite)
    if notes is not None:
        atomic_write(beside, lambda tmp: notes.save(str(tmp)), inputs=[*inputs, out],
                     overwrite=overwrite or review_out is not None)  # fmt: skip
    if pdf:
        convert_to_pdf(out)
    return out


REVIEW_SUFFIX = "_报送前核对事项"


def review_path(report: str | Path, keep: str = "") -> Path:
    """Where the review notes of a report go: beside it, "<报告>_报送前核对事项.docx"; a name too long for the
    file system is shortened before ``keep`` (the end of the report's name that tells reports apart, e.g.
    "_自评报告（2）"), else before "_报送前核对事项.docx"."""
    report = Path(report)
    parent = report.parent if str(report.parent) else Path(".")
    name = f"{report.stem}{REVIEW_SUFFIX}.docx"
    tail = f"{keep if keep and report.stem.endswith(keep) else ''}{REVIEW_SUFFIX}.docx"
    return report.with_name(fit_name(parent, name, keep=tail))


def claim_report_paths(workbook: str | Path, suffix: str) -> tuple[Path, Path]:
    """New names beside ``workbook`` for a report ("<工作簿><suffix>.docx", or "…（2）.docx" and so on) and its
    review notes (:func:`review_path`), both free and both claimed (:func:`~xlperf.safe_io.claim_new_pair`):
    neither written over a file of the user's, nor two reports at once on one name; shortened to fit the
    file system before ``suffix``. Release them (:func:`~xlperf.safe_io.release_claim`) once written: a
    claim left empty (no notes: nothing to check; a failed write) goes."""
    p = Path(workbook)

    # shortened before "_自评报告（n）": the notes of each report a name of their own
    def notes(report: Path) -> Path:
        cut = report.stem.rfind(suffix)
        return review_path(report, keep=report.stem[cut:] if suffix and cut >= 0 else "")

    return claim_new_pair(p.with_name(f"{p.stem}{suffix}.docx"), notes, keep=f"{suffix}.docx")


def review_count(validation: Validation, template_dir: str | Path | None = None) -> int:
    """How many projects the review notes list (0: there is nothing to check, no file is written)."""
    texts = ReportTexts(template_dir)
    blocks = texts.render("review.j2", report=report_facts(validation))
    return sum(1 for b in blocks if b.kind == HEADING2)


def default_report_path(validation: Validation) -> Path:
    """Where the report goes when no path is given: beside the workbook, named after the title."""
    wb = validation.workbook
    folder = Path(wb.path).parent if wb.path else Path.cwd()
    unit = wb.unit.name or next((p.unit.text for p in wb.projects if p.unit.text), "")
    tail = f"{wb.unit.year}年度绩效自评工作报告.docx"
    name = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in unit + tail)
    return folder / fit_name(folder, name, keep=tail)  # a long unit name is shortened, not the title


def build_document(
    v: Validation, texts: ReportTexts | None = None, *, attachment: str = ""
) -> DocumentObject:
    """The report as a python-docx Document, built part by part (:data:`PARTS`)."""
    ctx = _Context(v, report_facts(v, attachment), texts or ReportTexts(), workbook_formats(v))
    doc = Document()
    for _name, step in PARTS:
        step(doc, ctx)
    return doc


def official_document() -> DocumentObject:
    """A blank document in the report's look (A4, margins, page number, the 公文 styles), for other
    documents that must look the same (the 退回意见 of :mod:`xlperf.writers.feedback`)."""
    doc = Document()
    _write_page(doc, None)
    _write_styles(doc, None)
    return doc


def build_review(v: Validation, texts: ReportTexts | None = None) -> DocumentObject | None:
    """The review notes (报送前核对事项) as a document of their own, in the report's look: the problems
    the validation found, for the unit to correct before it sends the report (which never holds them).
    None when there is nothing to check."""
    ctx = _Context(v, report_facts(v), texts or ReportTexts())
    blocks = ctx.render("review.j2")
    if not blocks:
        return None
    doc = official_document()
    title = next((b.text for b in ctx.render("title.j2")), "绩效自评工作报告")
    for b in blocks:
        if b.kind == HEADING1:
            p = doc.add_paragraph(clean_text(title), style=STYLE_TITLE)
            p.add_run().add_break()
            p.add_run(clean_text(f"（{b.text}）"))
        else:
            # its own styles, not the report's headings: nothing of it is mistaken for the report's text
            doc.add_paragraph(clean_text(b.text), style=STYLE_REVIEW if b.kind == BODY else STYLE_REVIEW_HEAD)
    props = doc.core_properties
    props.title = _prop(f"{title}（报送前核对事项）")
    props.author = props.last_modified_by = _prop(ctx.facts.unit or "xlperf")
    props.comments = "由 xlperf 根据自评工作簿的校验结果生成，不随报告报送"
    props.revision = 1
    return doc


def workbook_formats(v: Validation) -> dict[str, dict[str, str]]:
    """The number formats of the projects' sheets in the workbook the validation read (none when it
    was not read from a file, or the file is not an xlsx)."""
    path = v.workbook.path
    if not path or not Path(path).is_file():
        return {}
    from xlperf.sources.xlsx import number_formats

    return number_formats(path, {pr.project.sheet for pr in v.projects})


@dataclass(frozen=True)
class _Context:
    validation: Validation
    facts: ReportFacts
    texts: ReportTexts
    formats: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> A1 -> number format

    def render(self, name: str, **kw: object) -> list[Block]:
        return self.texts.render(name, report=self.facts, **kw)


# --- PDF --------------------------------------------------------------------------------------------


REPORT_FONTS = (FONT_BODY, FONT_HEADING1, FONT_HEADING2, FONT_TITLE, FONT_FOOTER)


def replaced_fonts() -> list[str] | None:
    """The report's fonts missing where the PDF is made (LibreOffice draws others in their place, so the
    PDF differs from the Word file opened on a PC with the GB fonts); None when it cannot be told."""
    return libreoffice.missing_fonts(REPORT_FONTS)


def convert_to_pdf(docx: str | Path, timeout: float = 180) -> Path:
    """Convert a .docx to a PDF beside it with LibreOffice. Returns the PDF's path."""
    docx = Path(docx)
    return libreoffice.convert(docx, "pdf", docx.parent, timeout)


# --- fonts and styles -------------------------------------------------------------------------------

# Word rejects a file whose rPr/pPr children are out of schema order: what may follow each element we add
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_RPR_AFTER_SZCS = (
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
    "w:lang", *_RPR_AFTER_LANG,
)  # fmt: skip
_PPR_AFTER_SNAP = (
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _set_fonts(rpr, east_asia: str, latin: str = FONT_LATIN) -> None:
    """Name the fonts explicitly on an rPr (w:eastAsia is what Word uses for Chinese), dropping theme
    fonts, which would otherwise win over the names."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style_font(style, east_asia: str, size: Pt, *, bold: bool = False) -> None:
    f = style.font
    f.size = size
    f.bold = bold
    f.italic = False
    f.color.rgb = None
    rpr = style.element.get_or_add_rPr()
    _set_fonts(rpr, east_asia)
    color = rpr.find(qn("w:color"))
    if color is not None:  # the built-in headings' theme colour
        rpr.remove(color)
    szcs = rpr.find(qn("w:szCs"))
    if szcs is None:
        szcs = rpr.insert_element_before(OxmlElement("w:szCs"), *_RPR_AFTER_SZCS)
    szcs.set(qn("w:val"), str(int(size.pt * 2)))
    _set_lang(rpr)


def _set_lang(rpr) -> None:
    """Chinese (PRC) as the East Asian language: Word's line breaking and punctuation, and the CJK
    font LibreOffice falls back to (SC glyphs, not JP) when the named font is not installed."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.insert_element_before(OxmlElement("w:lang"), *_RPR_AFTER_LANG)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _paragraph_format(
    style,
    *,
    align=None,
    first_line_chars: int = 0,
    line: Pt | None = LINE_BODY,
    before: Pt = ZERO,
    after: Pt = ZERO,
    keep_next: bool = False,
) -> None:
    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = before
    pf.space_after = after
    pf.keep_with_next = keep_next
    pf.widow_control = True
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
    pf.first_line_indent = None
    pf.left_indent = None
    ppr = style.element.get_or_add_pPr()
    # in characters, so the indent stays two characters whatever the font size; explicit 0 where
    # none, or the body's indent would be inherited (table text, title)
    ind = ppr.get_or_add_ind()
    for attr in list(ind.attrib):
        del ind.attrib[attr]
    ind.set(qn("w:firstLineChars"), str(first_line_chars * 100))
    ind.set(qn("w:firstLine"), str(int(first_line_chars * style.font.size.pt * 20)))
    # a style's own numbering and borders (Title has a bottom border in the default template) go
    for tag in ("w:pBdr", "w:numPr"):
        el = ppr.find(qn(tag))
        if el is not None:
            ppr.remove(el)
    # not snapped to the document grid: the exact line pitch above rules
    if ppr.find(qn("w:snapToGrid")) is None:
        ppr.insert_element_before(_el("w:snapToGrid", val="0"), *_PPR_AFTER_SNAP)


def _paragraph_style(doc: DocumentObject, name: str, style_id: str):
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), style_id)
        style.base_style = styles[STYLE_BODY]
        style.quick_style = True
    return style


def _write_styles(doc: DocumentObject, ctx: _Context | None) -> None:
    """Body, headings, title and table text styles, with explicit East Asian fonts."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            _set_fonts(rpr, FONT_BODY)
            _set_lang(rpr)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    body = doc.styles[STYLE_BODY]
    _style_font(body, FONT_BODY, SIZE_BODY)
    _paragraph_format(body, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars=2)

    h1 = doc.styles[STYLE_HEADING1]
    _style_font(h1, FONT_HEADING1, SIZE_BODY)
    _paragraph_format(h1, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars=2, keep_next=True)
    h2 = doc.styles[STYLE_HEADING2]
    _style_font(h2, FONT_HEADING2, SIZE_BODY)
    _paragraph_format(h2, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars=2, keep_next=True)

    title = doc.styles[STYLE_TITLE]
    _style_font(title, FONT_TITLE, SIZE_TITLE)
    _paragraph_format(title, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(36), after=Pt(28))

    att = _paragraph_style(doc, STYLE_ATTACHMENT, "XlperfAttachment")
    _style_font(att, FONT_HEADING1, SIZE_BODY)
    _paragraph_format(att, align=WD_ALIGN_PARAGRAPH.LEFT, after=Pt(14))

    sign = _paragraph_style(doc, STYLE_SIGNATURE, "XlperfSignature")
    _style_font(sign, FONT_BODY, SIZE_BODY)
    _paragraph_format(sign, align=WD_ALIGN_PARAGRAPH.RIGHT)
    sign.paragraph_format.right_indent = Pt(SIZE_BODY.pt * 4)  # 成文日期右空四字

    review = _paragraph_style(doc, STYLE_REVIEW, "XlperfReview")
    _style_font(review, FONT_BODY, SIZE_FOOTER)  # 四号
    _paragraph_format(review, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars=2, line=Pt(22), after=Pt(6))

    review_head = _paragraph_style(doc, STYLE_REVIEW_HEAD, "XlperfReviewHead")
    _style_font(review_head, FONT_HEADING1, SIZE_FOOTER)
    _paragraph_format(review_head, align=WD_ALIGN_PARAGRAPH.LEFT, line=Pt(22), before=Pt(6), keep_next=True)

    conclusion = _paragraph_style(doc, STYLE_CONCLUSION, "XlperfConclusion")
    _style_font(conclusion, FONT_BODY, SIZE_BODY)
    _paragraph_format(
        conclusion, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars=2, before=Pt(8), after=Pt(8)
    )

    for name, sid, font in (
        (STYLE_TABLE, "XlperfTable", FONT_BODY),
        (STYLE_TABLE_HEAD, "XlperfTableHead", FONT_HEADING1),
    ):
        st = _paragraph_style(doc, name, sid)
        _style_font(st, font, SIZE_TABLE)
        _paragraph_format(st, align=WD_ALIGN_PARAGRAPH.CENTER, line=None)


# --- page -------------------------------------------------------------------------------------------


def _write_page(doc: DocumentObject, ctx: _Context | None) -> None:
    """A4 portrait, the official margins, the page number "— 1 —" centred in the footer."""
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    sec.left_margin, sec.right_margin = MARGINS["left"], MARGINS["right"]
    sec.header_distance, sec.footer_distance = Cm(1.5), Cm(2.5)
    p = sec.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Cm(0)
    _footer_run(p, "— ")
    _field(p, "PAGE", "1")
    _footer_run(p, " —")


def _footer_run(p, text: str):
    run = p.add_run(text)
    run.font.size = SIZE_FOOTER
    _set_fonts(run._r.get_or_add_rPr(), FONT_FOOTER)
    return run


def _field(p, instr: str, placeholder: str) -> None:
    """A simple field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs."""
    for kind, text in (
        ("begin", None),
        ("instr", f" {instr} "),
        ("separate", None),
        ("text", placeholder),
        ("end", None),
    ):
        run = _footer_run(p, "")
        r = run._r
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            r.append(el)
        elif kind == "text":
            run.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            r.append(el)


# --- text parts -------------------------------------------------------------------------------------


def _add_blocks(doc: DocumentObject, blocks: Sequence[Block], body_style: str = STYLE_BODY) -> None:
    for b in blocks:
        style = {HEADING1: STYLE_HEADING1, HEADING2: STYLE_HEADING2}.get(b.kind, body_style)
        doc.add_paragraph(clean_text(b.text), style=style)


def _write_heading(doc: DocumentObject, ctx: _Context) -> None:
    """The optional 附件 marker ("附件3：") and the title."""
    marker = ctx.facts.attachment.strip()
    if marker:
        if not marker.endswith(("：", ":")):
            marker += "："
        doc.add_paragraph(marker, style=STYLE_ATTACHMENT)
    for b in ctx.render("title.j2"):
        add_title(doc, b.text)


def add_title(doc: DocumentObject, text: str):
    """A title paragraph (the report's, a letter's): one paragraph, broken where a reader breaks it
    (:func:`title_lines`)."""
    first, *more = title_lines(clean_text(text))
    p = doc.add_paragraph(first, style=STYLE_TITLE)
    for line in more:
        run = p.add_run()
        run.add_break()
        run.add_text(line)
    return p


# where a title too long for one line breaks (GB/T 9704: at a word, the lines alike in length): before
# the year, before 绩效自评 or 工作报告, after 关于; never inside a word as Word's own wrapping does
_TITLE_BREAKS = re.compile(r"(?=\d{4}年)|(?=绩效自评)|(?=工作报告)|(?<=关于)")


def title_lines(title: str, size: float = SIZE_TITLE.pt) -> list[str]:
    """The title as it is printed: one line where it fits the text width, else two lines broken at the
    break that fits both and leaves them most alike (the title as one line where none does)."""
    if text_width_pt(title, size) <= TEXT_WIDTH_PT:
        return [title]
    best: tuple[float, int] | None = None
    for m in _TITLE_BREAKS.finditer(title):
        at = m.start()
        if not 0 < at < len(title):
            continue
        a, b = text_width_pt(title[:at], size), text_width_pt(title[at:], size)
        if max(a, b) <= TEXT_WIDTH_PT and (best is None or abs(a - b) < best[0]):
            best = (abs(a - b), at)
    return [title] if best is None else [title[: best[1]], title[best[1] :]]


def _write_sections(doc: DocumentObject, ctx: _Context) -> None:
    """一、绩效自评工作组织开展情况; 二、绩效目标实现情况; 三、绩效目标设定质量情况 (its opening)."""
    for name in ("organisation.j2", "achievement.j2", "quality.j2"):
        _add_blocks(doc, ctx.render(name))


def _write_projects(doc: DocumentObject, ctx: _Context) -> None:
    """Per project: "1、{项目名称}", its 自评表 as a table, the conclusion drawn from its data."""
    for pr, facts in zip(ctx.validation.projects, ctx.facts.projects, strict=True):
        _add_blocks(doc, ctx.render("project_heading.j2", p=facts))
        _add_table(doc, project_table(pr, ctx.formats.get(pr.project.sheet)))
        _add_blocks(doc, ctx.render("conclusion.j2", p=facts), STYLE_CONCLUSION)


def _write_measures(doc: DocumentObject, ctx: _Context) -> None:
    """四、整改措施及结果应用, from the findings across projects."""
    _add_blocks(doc, ctx.render("measures.j2"))


SIGN_WITH = 4  # lines of the text kept on the 落款's page (GB/T 9704: the 落款 never stands alone)
TEXT_WIDTH_PT = 15.6 / 2.54 * 72  # 21 cm less the margins


def body_lines(text: str, size: float = SIZE_BODY.pt, indent: int = 2) -> int:
    """The lines a body paragraph takes (its first line indented ``indent`` characters)."""
    width = text_width_pt(text, size) + indent * size
    return max(1, math.ceil(width / TEXT_WIDTH_PT))


def _write_signature(doc: DocumentObject, ctx: _Context) -> None:
    """The 落款 under the text: the unit's name over the date, right-aligned (the date four characters
    from the right margin, the name centred over it), two blank lines above, kept together."""
    blocks = [b for b in ctx.render("signature.j2") if b.text.strip()]
    if blocks:  # never alone on a page, nor with one sentence: at least SIGN_WITH lines of text come along
        lines = 0
        for para in reversed(doc.paragraphs):
            if lines >= SIGN_WITH or not para.text.strip():
                break
            para.paragraph_format.keep_with_next = True
            lines += body_lines(para.text)
    for i, b in enumerate(blocks):
        p = doc.add_paragraph(clean_text(b.text), style=STYLE_SIGNATURE)
        if i == 0:
            p.paragraph_format.space_before = LINE_BODY * 2
        if i < len(blocks) - 1:
            p.paragraph_format.keep_with_next = True


def _write_properties(doc: DocumentObject, ctx: _Context) -> None:
    """Document properties: title, author (the unit), no generator noise."""
    props = doc.core_properties
    title = next((b.text for b in ctx.render("title.j2")), "绩效自评工作报告")
    props.title = _prop(title)
    props.subject = "项目支出绩效自评"
    props.author = _prop(ctx.facts.unit or "xlperf")
    props.last_modified_by = _prop(ctx.facts.unit or "xlperf")
    props.comments = "由 xlperf 根据自评工作簿生成"
    props.keywords = "绩效自评"
    props.revision = 1


def _prop(text: str, limit: int = 255) -> str:
    """A document property python-docx accepts: at most 255 characters (longer raises), no control
    characters; a long unit name or title is shortened with "…"."""
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


PARTS: tuple[tuple[str, Callable[[DocumentObject, _Context], None]], ...] = (
    ("page", _write_page),
    ("styles", _write_styles),
    ("heading", _write_heading),
    ("sections", _write_sections),
    ("projects", _write_projects),
    ("measures", _write_measures),
    ("signature", _write_signature),
    ("properties", _write_properties),
)


# --- the 自评表 as a table --------------------------------------------------------------------------


@dataclass(frozen=True)
class TCell:
    """One cell of the table: its text and horizontal extent (twips from the data area's left edge)."""

    text: str
    x0: int
    x1: int
    align: str = "center"  # left / center / right
    head: bool = False  # a label of the form (黑体) rather than a value
    merge: str | None = None  # cells with the same key in consecutive rows merge vertically


@dataclass(frozen=True)
class Table:
    """The rows of a project's 自评表. ``head`` is the index of the indicator header row (一级指标 …):
    from there on the table is a second Word table whose header row repeats on every page it runs
    onto; ``keep`` marks the rows kept on the page of the row below (the part above the indicators as
    a whole, each 一级指标's rows together, the last row with 总分)."""

    rows: tuple[tuple[TCell, ...], ...]  # each row covers 0..width
    width: int
    head: int | None = None
    keep: tuple[bool, ...] = ()


def _num_text(x: float | None, digits: int = 4) -> str:
    return "" if x is None else fmt_num(x, digits)


def value_text(c: Cell, *, percent: bool = False, digits: int = 4, fmt: str | None = None) -> str:
    """A cell's value as the workbook shows it: text as typed; a number in its number format ``fmt``
    where the workbook has one this understands (1 with "0%" is 100%, 2 with "0.00" is 2.00), else
    without noise (1.6, 2), and a fraction as a percentage where the column holds percentages."""
    v = c.value
    if v.is_blank:
        return ""
    raw = v.raw
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return str(raw).strip()
    x = float(raw)
    shown = number_shown(x, fmt) if fmt else None
    if shown is not None:
        return shown
    if percent and -1.5 <= x <= 1.5:
        return fmt_pct(x)
    return fmt_num(x, digits)


_FIXED = re.compile(r"[#,]*0(?:\.(0+))?")
_PERCENT = re.compile(r"[#,]*0(?:\.(0+))?%")


def number_shown(x: float, fmt: str) -> str | None:
    """``x`` as Excel shows it in number format ``fmt``, for the formats forms use: percentages ("0%",
    "0.0%"), fixed decimals ("0.00", "#,##0.00"). None for any other format (dates, fractions,
    sections, colours): the caller shows the number plainly."""
    f = fmt.split(";", 1)[0].strip()
    if not f or not math.isfinite(x) or abs(x) >= 1e15:
        return None
    if m := _PERCENT.fullmatch(f):
        d = len(m.group(1) or "")
        out = f"{x * 100:{',' if ',' in f else ''}.{d}f}%"
    elif m := _FIXED.fullmatch(f):
        d = len(m.group(1) or "")
        out = f"{x:{',' if ',' in f else ''}.{d}f}"
    else:
        return None
    return out[1:] if out.startswith("-") and not out.strip("-0.,%") else out  # no "-0.00"


def _is_number(c: Cell) -> bool:
    return c.value.is_number


class _Columns:
    """The indicator table's columns and their right edges (twips): the grid the other rows snap to."""

    def __init__(self, width: int, weight: bool, reason: bool, formats: dict[str, str] | None = None) -> None:
        self.formats = formats or {}  # the sheet's number formats by A1 address
        cm = TWIPS_PER_CM
        # (column, cm; 0: the rest). Every header fits on at most two lines broken at a word
        # (HEAD_BREAKS): 一级/指标 needs 0.94 cm of text, 预期/指标值 1.3 cm, 偏差原因分析 2.4 cm
        # (五号 is 0.37 cm a CJK character; a cell loses 0.2 cm to its margins: "产出指标" needs 1.7 cm,
        # "13.33" 1.3 cm with its margins: a 分值 of 40 over three rows)
        if weight and reason:
            spec = [(L.COL_LEVEL1, 1.8), (L.COL_LEVEL2, 1.8), (L.COL_LEVEL3, 0), (L.COL_TARGET, 1.45),
                    (L.COL_ACTUAL, 1.45), (L.COL_WEIGHT, 1.3), (L.COL_SCORE, 1.3), (L.COL_REASON, 2.5)]  # fmt: skip
        elif weight or reason:
            spec = [(L.COL_LEVEL1, 1.8), (L.COL_LEVEL2, 1.8), (L.COL_LEVEL3, 0), (L.COL_TARGET, 1.7),
                    (L.COL_ACTUAL, 1.7)]  # fmt: skip
            spec += [(L.COL_WEIGHT, 1.3)] if weight else []
            spec += [(L.COL_SCORE, 1.3)]
            spec += [(L.COL_REASON, 2.9)] if reason else []
        else:
            spec = [(L.COL_LEVEL1, 2.0), (L.COL_LEVEL2, 2.0), (L.COL_LEVEL3, 0), (L.COL_TARGET, 1.8),
                    (L.COL_ACTUAL, 1.8), (L.COL_SCORE, 1.3)]  # fmt: skip
        fixed = sum(round(w * cm) for _, w in spec)
        self.names = [n for n, _ in spec]
        widths = [round(w * cm) if w else width - fixed for _, w in spec]
        self.edges = [0]
        for w in widths:
            self.edges.append(self.edges[-1] + w)
        self.width = width

    def fmt(self, c: Cell) -> str | None:
        """The workbook's number format of a cell, if it has one other than General."""
        return self.formats.get(c.ref) if c.ref else None

    def span(self, name: str) -> tuple[int, int]:
        i = self.names.index(name)
        return self.edges[i], self.edges[i + 1]

    def snap(self, x: int) -> int:
        nearest = min(self.edges, key=lambda e: abs(e - x))
        return nearest if abs(nearest - x) <= SNAP else x


_HEAD = {"head": True}
_LEFT = {"align": "left"}
_RIGHT = {"align": "right"}
Spec = tuple[str, float, float, dict]  # text, start, end (fractions of the data width), TCell options
Rows = list[tuple[str, list[TCell]]]  # (side label, cells)


def _row(cols: _Columns, cells: Sequence[Spec]) -> list[TCell]:
    """A row from specs whose edges are fractions of the data width, snapped to the indicator grid."""
    out = []
    for text, a, b, kw in cells:
        x0 = cols.snap(round(a * cols.width))
        x1 = cols.snap(round(b * cols.width))
        out.append(TCell(text, x0, x1, **kw))
    return out


def _basic_rows(pr: ProjectResult, cols: _Columns) -> Rows:
    """一、基本情况: 项目名称 and 实施（主管）单位."""
    p = pr.project
    cells = [
        (L.PROJECT_NAME, 0, 0.14, _HEAD),
        (p.name.text, 0.14, 0.54, _LEFT),
        (T_PROJECT_UNIT, 0.54, 0.72, _HEAD),
        (p.unit.text, 0.72, 1, _LEFT),
    ]
    return [(T_BASIC, _row(cols, cells))]


def _funds_rows(pr: ProjectResult, cols: _Columns) -> Rows:
    """二、预算执行情况: 预算数/到位数/执行数, 其中：财政资金, 其他, and 预算执行进度 (computed when blank)."""
    p = pr.project
    pair, lab = 0.28, 0.14  # each of 预算/到位/执行: label + value (2 cm: "1,234.56"); 预算执行进度 the rest
    head = [
        (T_BUDGET_HEAD, 0, pair, _HEAD),
        ("资金到位情况", pair, 2 * pair, _HEAD),
        ("资金执行情况", 2 * pair, 3 * pair, _HEAD),
        (L.PROGRESS_HEAD, 3 * pair, 1, _HEAD),
    ]
    rows: Rows = [(T_FUNDS, _row(cols, head))]
    progress = value_text(p.progress, percent=True, fmt=cols.fmt(p.progress))
    if not progress and pr.rate is not None:
        progress = fmt_pct(pr.rate)
    last = {"align": "right" if progress else "center", "merge": "progress"}
    funds = (p.budget, p.arrived, p.executed)
    for i, labels in enumerate(T_FUNDS_LABELS):
        cells: list[Spec] = []
        for j, label in enumerate(labels):
            value = (funds[j].total, funds[j].fiscal, funds[j].other)[i]
            cells.append((label, j * pair, j * pair + lab, _HEAD))
            cells.append((value_text(value, fmt=cols.fmt(value)), j * pair + lab, (j + 1) * pair, _RIGHT))
        cells.append((progress or T_PROGRESS_HINT, 3 * pair, 1, last))
        rows.append((T_FUNDS, _row(cols, cells)))
    return rows


def _goal_rows(pr: ProjectResult, cols: _Columns) -> Rows:
    """三、目标完成情况: 年度预期目标, 具体完成情况, 总体完成率 (one empty row when none)."""
    g1, g2 = 0.42, 0.84
    head = [(L.GOAL_EXPECTED, 0, g1, _HEAD), (L.GOAL_ACTUAL, g1, g2, _HEAD), (L.GOAL_RATE, g2, 1, _HEAD)]
    rows: Rows = [(T_GOALS, _row(cols, head))]
    for g in pr.project.goals or (Goal(),):
        # 年度预期目标 and 具体完成情况 are descriptions: a bare number typed there ("2") is text too
        cells = [
            (value_text(g.expected, fmt=cols.fmt(g.expected)), 0, g1, _LEFT),
            (value_text(g.actual, fmt=cols.fmt(g.actual)), g1, g2, _LEFT),
            (value_text(g.rate, percent=True, fmt=cols.fmt(g.rate)), g2, 1, _RIGHT),
        ]
        rows.append((T_GOALS, _row(cols, cells)))
    return rows


def _indicator_rows(pr: ProjectResult, cols: _Columns) -> Rows:
    """四、年度绩效指标完成情况: the header, one row per indicator (一级 and 二级 merged down), 总分."""
    rows: Rows = [(T_INDICATORS, [TCell(n, *cols.span(n), head=True) for n in cols.names])]
    run1 = run2 = 0
    prev1: tuple | None = None
    prev2: str | None = None
    for r in pr.indicators:
        ind = r.indicator
        if (ind.level1, ind.section) != prev1:
            run1 += 1
            prev1, prev2 = (ind.level1, ind.section), None
        if ind.level2 != prev2:
            run2 += 1
            prev2 = ind.level2
        pct = ind.is_budget_rate or ind.target.value.percent or ind.actual.value.percent
        actual = value_text(ind.actual, percent=pct, fmt=cols.fmt(ind.actual))
        if ind.is_budget_rate and not actual and pr.rate is not None:
            actual = fmt_pct(pr.rate)  # the template's formula, not cached in the file
        target = value_text(ind.target, percent=pct, fmt=cols.fmt(ind.target))
        if ind.unit.ref is not None:  # the sign, value and unit in cells of their own: printed as one
            target, actual = (with_unit_text(ind, t) for t in (target, actual))
            target = signed_text(ind, target)
        target_align = "right" if _is_number(ind.target) else "center"
        actual_align = "right" if _is_number(ind.actual) or ind.is_budget_rate else "center"
        texts = {
            L.COL_LEVEL1: (ind.level1, "center"),
            L.COL_LEVEL2: (ind.level2, "center"),
            L.COL_LEVEL3: (ind.name.text, "left"),
            L.COL_TARGET: (target, target_align),
            L.COL_ACTUAL: (actual, actual_align),
            L.COL_WEIGHT: (value_text(ind.weight, digits=2, fmt=cols.fmt(ind.weight)), "right"),
            L.COL_SCORE: (value_text(ind.score, digits=2, fmt=cols.fmt(ind.score)), "right"),
            L.COL_REASON: (ind.reason.text, "left"),
        }
        merges = {L.COL_LEVEL1: f"l1-{run1}", L.COL_LEVEL2: f"l2-{run2}"}
        cells = [
            TCell(texts[n][0], *cols.span(n), align=texts[n][1], merge=merges.get(n)) for n in cols.names
        ]
        rows.append((T_INDICATORS, cells))

    p = pr.project
    total = value_text(p.total, digits=2, fmt=cols.fmt(p.total)) or _num_text(pr.total_recomputed, 2)
    has_weight = L.COL_WEIGHT in cols.names
    cells = [TCell(L.TOTAL, 0, cols.span(L.COL_WEIGHT if has_weight else L.COL_SCORE)[0], head=True)]
    if has_weight:
        weights = [r.indicator.weight.number for r in pr.indicators if r.indicator.weight.number is not None]
        weight_total = _num_text(sum(weights), 2) if weights else ""
        cells.append(TCell(weight_total, *cols.span(L.COL_WEIGHT), align="right"))
    cells.append(TCell(total, *cols.span(L.COL_SCORE), align="right"))
    if L.COL_REASON in cols.names:
        cells.append(TCell("", *cols.span(L.COL_REASON), align="left"))
    rows.append((T_INDICATORS, cells))
    # the 核定总分, what the report states and grades, where it is not the 总分 the table shows
    shown = p.total.number if p.total.number is not None else pr.total_recomputed
    if pr.total_capped is not None and (shown is None or abs(shown - pr.total_capped) > 0.005):
        why = approval_note(pr) or "各项得分之和"
        end = cols.span(L.COL_SCORE)[0]
        cells = [TCell(f"{TOTAL_CAPPED.name}（{why}）", 0, end, head=True)]
        cells.append(TCell(_num_text(pr.total_capped, 2), *cols.span(L.COL_SCORE), align="right"))
        if L.COL_REASON in cols.names:
            cells.append(TCell("", *cols.span(L.COL_REASON), align="left"))
        rows.append((T_INDICATORS, cells))
    return rows


TABLE_BLOCKS = (_basic_rows, _funds_rows, _goal_rows, _indicator_rows)


def project_table(pr: ProjectResult, formats: dict[str, str] | None = None) -> Table:
    """The 项目支出绩效自评表 of one project in the seed's layout: the side column (一、基本情况 …) merged
    over each block, then the blocks of :data:`TABLE_BLOCKS`. 分值 and 偏差原因 columns appear where the
    form has them (filled or not). ``formats``: the sheet's number formats (A1 -> format), kept in the
    text. Labels that do not fit their cell on one line break at a word (:func:`head_label`)."""
    inds = pr.indicators
    has_weight = any(r.indicator.weight.ref is not None or r.indicator.weight.value.is_number for r in inds)
    has_reason = any(
        r.indicator.reason.ref is not None or not r.indicator.reason.value.is_blank for r in inds
    )
    cols = _Columns(TABLE_WIDTH - SIDE_WIDTH, has_weight, has_reason, formats)
    full: list[tuple[TCell, ...]] = []
    head = None
    for block in TABLE_BLOCKS:
        if block is _indicator_rows:
            head = len(full)
        for side, cells in block(pr, cols):
            shifted = (
                replace(c, x0=c.x0 + SIDE_WIDTH, x1=c.x1 + SIDE_WIDTH, text=head_label(c.text, c.x1 - c.x0))
                if c.head
                else replace(c, x0=c.x0 + SIDE_WIDTH, x1=c.x1 + SIDE_WIDTH)
                for c in cells
            )
            full.append((TCell(side, 0, SIDE_WIDTH, head=True, merge=f"side-{side}"), *shifted))
    whole = table_height(full) + HEADING_HEIGHT + 2 * LINE_BODY.pt / 72 * 2.54 <= PAGE_BODY_CM
    return Table(tuple(full), TABLE_WIDTH, head, _keeps(full, head, whole=whole))


# the page's text height (29.7 cm less the margins) and a heading line; what a table must fit in to be
# kept on one page (moved whole to the next page rather than split)
PAGE_BODY_CM = 29.7 - 3.7 - 3.5
HEADING_HEIGHT = LINE_BODY.pt / 72 * 2.54
ROW_MIN_CM = 0.75  # every row's height at least (w:trHeight atLeast)
# one line of 五号 at single spacing: 1.45 em, the line height of the Noto CJK faces that stand in for
# 宋体/仿宋 on 信创 PCs and in LibreOffice here (宋体 in Word on Windows: about 1.3 em), so a table judged
# to fit a page fits it with either
TABLE_LINE_CM = SIZE_TABLE.pt * 1.45 / 72 * 2.54
GROUP_WHOLE_CM = (
    PAGE_BODY_CM / 4
)  # a 一级指标 taller than this may break across pages (2 rows kept each side)
CELL_MARGIN = 57  # twips, left and right


def text_width_pt(text: str, size: float) -> float:
    """The width of one line of text at ``size`` pt: a CJK character (or full-width form) is one em in
    every Chinese font (宋体, 仿宋, and the Noto CJK faces that stand in for them); Latin and digits at
    most 0.64 em (DejaVu's digits, the widest stand-in's), a point or comma 0.35 em."""
    wide = ("W", "F")
    return sum(
        size if unicodedata.east_asian_width(ch) in wide else (0.35 if ch in ".,:;'" else 0.64) * size
        for ch in text
    )


def cell_lines(text: str, width: int, size: float = SIZE_TABLE.pt) -> int:
    """The lines ``text`` wraps to in a cell ``width`` twips wide (a character never split)."""
    room = max(1.0, (width - 2 * CELL_MARGIN) / 20)
    lines = 0
    for part in text.split("\n"):
        w = 0.0
        n = 1
        for ch in part:
            cw = text_width_pt(ch, size)
            if w + cw > room + 0.01:
                n += 1
                w = 0.0
            w += cw
        lines += n
    return lines


def head_label(text: str, width: int) -> str:
    """A label as printed in a cell ``width`` twips wide: as it is when it fits on one line, else
    broken at a word (:data:`HEAD_BREAKS`, or after "）" or "：", before "（"), never leaving one character
    alone on a line ("预算执行进/度")."""
    if "\n" in text or cell_lines(text, width) <= 1:
        return text
    candidates = [HEAD_BREAKS[text]] if text in HEAD_BREAKS else []
    for mark, after in (("）", True), ("：", True), ("（", False)):
        at = text.find(mark)
        if 0 < at < len(text) - 1:
            cut = at + 1 if after else at
            candidates.append(text[:cut] + "\n" + text[cut:])
    for label in candidates:
        if all(cell_lines(line, width) <= 1 for line in label.split("\n")):
            return label
    return candidates[0] if candidates else text


HEAD_BREAKS = {
    L.COL_LEVEL1: "一级\n指标",
    L.COL_LEVEL2: "二级\n指标",
    L.COL_LEVEL3: "三级\n指标",
    L.COL_TARGET: "预期\n指标值",
    L.COL_ACTUAL: "实际\n完成值",
    L.COL_SCORE: "自评\n得分",
    L.COL_REASON: "偏差原因分析\n及改进措施",
    L.PROGRESS_HEAD: "预算执行\n进度",
    L.GOAL_RATE: "总体\n完成率",
    L.PROJECT_NAME: "项目\n名称",
    "资金到位情况": "资金到位\n情况",
    "资金执行情况": "资金执行\n情况",
    "其中：财政资金": "其中：\n财政资金",
}


def table_height(rows: Sequence[tuple[TCell, ...]]) -> float:
    """The table's height in cm as LibreOffice and Word lay it out: each row as tall as its tallest
    cell's wrapped text (merged cells counted in their first row), at least :data:`ROW_MIN_CM`."""
    total = 0.0
    merged: dict[str, float] = {}  # merge key -> lines of its text not yet covered by its rows
    prev: set[str] = set()
    for row in rows:
        lines = 1
        for c in row:
            if c.merge is not None and c.merge in prev:
                continue  # a merged cell's text is in its first row
            need = cell_lines(c.text, c.x1 - c.x0) if c.text else 1
            if c.merge is None:
                lines = max(lines, need)
            else:
                merged[c.merge] = need * TABLE_LINE_CM
        height = max(ROW_MIN_CM, lines * TABLE_LINE_CM + 0.1)
        total += height
        prev = {c.merge for c in row if c.merge is not None}
        for key in list(merged):
            merged[key] -= height
            if key not in prev and merged[key] > 0:  # the merged text is taller than its rows
                total += merged.pop(key)
            elif key not in prev:
                merged.pop(key)
    return total + sum(max(0.0, h) for h in merged.values())


def _keeps(rows: Sequence[tuple[TCell, ...]], head: int | None, *, whole: bool = True) -> tuple[bool, ...]:
    """Which rows stay on the page of the row below. A table that fits on a page (``whole``) is kept
    whole: it starts on the next page rather than split, and only then. A longer one starts where it
    is, split between rows: 基本情况 with 预算执行情况 (a fifth of a page), each block whole, the
    indicator header with the first indicator; a 一级指标 of up to a quarter page kept whole
    (its merged label is never cut: "效益指标" on one page, "（40）" on the next), a taller one never
    leaving one row on a page; the last indicator with 总分 (and 核定总分)."""
    n = len(rows)
    if whole or head is None:
        return tuple(i < n - 1 for i in range(n))

    def group(row: tuple[TCell, ...], prefix: str = "l1-") -> str | None:
        return next((c.merge for c in row if c.merge and c.merge.startswith(prefix)), None)

    groups: dict[str, list[int]] = {}
    for i in range(head + 1, n):
        g = group(rows[i])
        if g is not None:
            groups.setdefault(g, []).append(i)
    tall = {g for g, idx in groups.items() if table_height([rows[i] for i in idx]) > GROUP_WHOLE_CM}
    keep = []
    for i in range(n):
        if i == n - 1:
            keep.append(False)
        elif i < head:  # a block with the next row of the block; 基本情况 with 预算执行情况
            side = group(rows[i], "side-")
            keep.append(side == group(rows[i + 1], "side-") or side == f"side-{T_BASIC}")
        elif i == head or group(rows[i + 1]) is None:  # the header, the last indicator with 总分
            keep.append(True)
        else:
            here, below = group(rows[i]), group(rows[i + 1])
            if here is None or here != below:
                keep.append(False)
            elif here in tall:  # the first row with the second, the last but one with the last
                idx = groups[here]
                keep.append(i == idx[0] or i + 1 == idx[-1])
            else:
                keep.append(True)
    return tuple(keep)


# --- table XML --------------------------------------------------------------------------------------


def _el(tag: str, **attrs: str):
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    return el


def _grid(table: Table) -> list[int]:
    edges = sorted({c.x0 for row in table.rows for c in row} | {c.x1 for row in table.rows for c in row})
    return edges


def _add_table(doc: DocumentObject, table: Table) -> None:
    """Append the table: fixed layout, the grid every row's cells span, single borders, cells vertically
    centred, rows kept whole across pages, vertical merges for the side column and 一级/二级. The
    indicator part (from ``table.head``) is a second table right below the first, its header row
    repeated on every page it runs onto; the first table has no bottom border, the second's top border
    draws the line between them."""
    edges = _grid(table)
    body = doc.element.body
    rows, keep = table.rows, table.keep or (False,) * len(table.rows)
    parts = [(0, len(rows), None)]
    if table.head:
        parts = [(0, table.head, None), (table.head, len(rows), table.head)]
    for k, (a, b, header) in enumerate(parts):
        last = k == len(parts) - 1
        tbl = _table_xml(table.width, edges, rows[a:b], keep[a:b], header_row=header is not None, bottom=last)
        body.sectPr.addprevious(tbl) if body.sectPr is not None else body.append(tbl)
        if not last:  # two tables need a paragraph between them: one point high, kept with the next
            p = _el("w:p")
            ppr = _el("w:pPr")
            ppr.append(_el("w:pStyle", val="XlperfTable"))
            ppr.append(_el("w:keepNext"))
            ppr.append(_el("w:spacing", before="0", after="0", line="20", lineRule="exact"))
            rpr = _el("w:rPr")
            rpr.append(_el("w:sz", val="2"))
            ppr.append(rpr)
            p.append(ppr)
            body.sectPr.addprevious(p) if body.sectPr is not None else body.append(p)
    # Word needs a paragraph between two adjacent tables and after a table before the next text
    # block; the conclusion paragraph that follows provides it.


def _table_xml(
    width: int,
    edges: list[int],
    rows: Sequence[tuple[TCell, ...]],
    keep: Sequence[bool],
    *,
    header_row: bool,
    bottom: bool,
):
    index = {x: i for i, x in enumerate(edges)}
    tbl = _el("w:tbl")
    tpr = _el("w:tblPr")
    tpr.append(_el("w:tblW", w=str(width), type="dxa"))
    tpr.append(_el("w:jc", val="center"))
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if side == "bottom" and not bottom:
            borders.append(_el("w:bottom", val="nil"))
        else:
            borders.append(_el(f"w:{side}", val="single", sz="4", space="0", color="000000"))
    tpr.append(borders)
    tpr.append(_el("w:tblLayout", type="fixed"))
    mar = _el("w:tblCellMar")
    for side in ("left", "right"):
        mar.append(_el(f"w:{side}", w="57", type="dxa"))
    tpr.append(mar)
    tpr.append(
        _el(
            "w:tblLook",
            val="0000",
            firstRow="0",
            lastRow="0",
            firstColumn="0",
            lastColumn="0",
            noHBand="1",
            noVBand="1",
        )
    )
    tbl.append(tpr)
    grid = _el("w:tblGrid")
    for a, b in zip(edges, edges[1:], strict=False):
        grid.append(_el("w:gridCol", w=str(b - a)))
    tbl.append(grid)

    prev: dict[tuple[int, int], str | None] = {}
    for i, row in enumerate(rows):
        tr = _el("w:tr")
        trpr = _el("w:trPr")
        trpr.append(_el("w:cantSplit"))
        trpr.append(_el("w:trHeight", val=str(round(0.75 * TWIPS_PER_CM)), hRule="atLeast"))
        if header_row and i == 0:
            trpr.append(_el("w:tblHeader"))
        tr.append(trpr)
        current: dict[tuple[int, int], str | None] = {}
        for c in row:
            span = index[c.x1] - index[c.x0]
            tc = _el("w:tc")
            tcpr = _el("w:tcPr")
            tcpr.append(_el("w:tcW", w=str(c.x1 - c.x0), type="dxa"))
            if span > 1:
                tcpr.append(_el("w:gridSpan", val=str(span)))
            key = (c.x0, c.x1)
            cont = c.merge is not None and prev.get(key) == c.merge
            if c.merge is not None:
                tcpr.append(_el("w:vMerge", val="continue") if cont else _el("w:vMerge", val="restart"))
            tcpr.append(_el("w:vAlign", val="center"))
            tc.append(tcpr)
            tc.append(_cell_paragraph("" if cont else c.text, c.align, c.head, keep_next=keep[i]))
            tr.append(tc)
            current[key] = c.merge
        prev = current
        tbl.append(tr)
    return tbl


def _cell_paragraph(text: str, align: str, head: bool, keep_next: bool = False):
    p = _el("w:p")
    ppr = _el("w:pPr")
    ppr.append(_el("w:pStyle", val="XlperfTableHead" if head else "XlperfTable"))
    if keep_next:  # Word and LibreOffice keep a row whose paragraphs keep with the next on its page
        ppr.append(_el("w:keepNext"))
    ppr.append(_el("w:jc", val={"left": "left", "right": "right"}.get(align, "center")))
    p.append(ppr)
    for i, line in enumerate(text.split("\n")):
        r = _el("w:r")
        if i:
            r.append(_el("w:br"))
        t = _el("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = clean_text(line)
        r.append(t)
        p.append(r)
    return p
