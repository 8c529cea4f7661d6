"""退回意见: one Word letter per unit, in the look of an official document (as the 绩效自评工作报告).

Title "关于××单位2020年度绩效自评材料的审核意见", the unit as addressee, its problems by project — where
each is in the unit's own file, 应为/实为, what to do in plain words (:mod:`xlperf.core.advice`) and the
reviewer's 审核意见 — a deadline line, the bureau's 落款 and date; no rule codes in the body: an
appendix on a page of its own lists the problems with their codes. The set of letters (and their PDFs,
and an index) is written as one: a re-run leaves no letter of a unit that has since passed.

>>> from xlperf.writers.feedback import LetterOptions, write_letters
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from xlperf.consolidate.review import Item, Letter, Outcome
from xlperf.core.advice import advice
from xlperf.core.names import shown_name
from xlperf.errors import OutputError
from xlperf.safe_io import atomic_folder, clean_text, fit_name
from xlperf.writers.report import (
    LINE_BODY,
    STYLE_ATTACHMENT,
    STYLE_BODY,
    STYLE_HEADING2,
    STYLE_SIGNATURE,
    STYLE_TABLE,
    STYLE_TABLE_HEAD,
    STYLE_TITLE,
    add_title,
    official_document,
)

INDEX_NAME = "审核意见目录.csv"
LETTER_NAME = re.compile(r"^关于.*审核意见\.(docx|pdf)$")
_CN_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class LetterOptions:
    bureau: str = ""  # 落款: the reviewing bureau ("西安市长安区财政局")
    date: str = ""  # 落款 date as written ("2021年3月8日"); '' = today
    deadline: str = ""  # "2021年3月15日": the unit resubmits before it
    contact: str = ""  # 联系人及电话
    year: str | None = None  # the year in the title; None = the summary's


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_index(n: int) -> str:
    """1 -> 一, 12 -> 十二, 21 -> 二十一 (headings （一）…)."""
    if n <= 10:
        return _CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (_CN_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (_CN_NUMBERS[ones - 1] if ones else "")


def letter_title(letter: Letter) -> str:
    year = f"{letter.year}年度" if letter.year else ""
    return f"关于{letter.unit}{year}绩效自评材料的审核意见"


def letter_file_name(letter: Letter) -> str:
    name = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in letter_title(letter))
    return name + ".docx"


def place(it: Item) -> str:
    """Where a problem is, as the unit finds it in its own file: 工作表“自评表1”F21单元格; a Word
    report's "表2 第12行 第6列"; '' for a problem of the whole file."""
    w = it.where
    if not w or w == it.file or (it.file and w.startswith(it.file)):
        return ""
    if "!" in w:
        sheet, cell = w.rsplit("!", 1)
        if re.fullmatch(r"\$?[A-Z]{1,3}\$?\d+", cell):
            return f"工作表“{sheet}”{cell.replace('$', '')}单元格"
        return f"工作表“{sheet}”"
    if w.startswith("表") or "第" in w:
        return f"报告中{w.replace(' ', '')}"
    return f"工作表“{w}”"


def item_text(it: Item) -> str:
    """One problem in plain words: what (the rule's name, never its code), where, the detail, 应为/实为,
    what to do."""
    where = place(it)
    detail = it.detail.rstrip("。；;，, ")
    head = it.name + (f"（{where}）" if where else "") if it.name else where
    parts = [f"{head}：{detail}。" if head else f"{detail}。"]
    values = []
    if it.expected:
        values.append(f"应为：{it.expected}")
    if it.found:
        values.append(f"实为：{it.found}")
    if values and not (
        len(it.found) >= 4 and it.found in detail
    ):  # a found text the detail already says: once
        parts.append("；".join(values) + "。")
    todo = advice(it.rule)
    if todo:
        parts.append(todo)
    return "".join(parts)


def _no_indent(p) -> None:
    """A paragraph that starts at the margin (the addressee line): no first-line indent of its style."""
    ppr = p._p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    ind.set(qn("w:firstLineChars"), "0")
    ind.set(qn("w:firstLine"), "0")


def build_letter(letter: Letter, opts: LetterOptions, today: dt.date | None = None):
    """The letter as a python-docx Document."""
    doc = official_document()
    add = doc.add_paragraph
    add_title(doc, letter_title(letter))
    p = add(clean_text(f"{letter.unit}："), style=STYLE_BODY)
    _no_indent(p)
    year = f"{letter.year}年度" if letter.year else ""
    errors, warnings = letter.count("error"), letter.count("warning")
    projects = [x for x in letter.projects if x[1]]
    counts = "、".join(
        t for t in (f"需要更正的错误{errors}处" if errors else "", f"需要核实或补充说明的问题{warnings}处" if warnings else "",
                    f"其他需要注意的问题{letter.count('info')}处" if letter.count("info") else "") if t
    )  # fmt: skip
    scope = f"涉及{len(projects)}个项目，" if projects else ""
    files = list(dict.fromkeys(_base(f) for f, _, _ in letter.projects if f))
    sent = f"（{'、'.join(f'“{f}”' for f in files)}）" if files else ""
    add(clean_text(f"你单位报送的{year}项目支出绩效自评材料{sent}已收悉。经审核，{scope}发现{counts}，具体意见如下："),
        style=STYLE_BODY)  # fmt: skip
    for n, (file, project, items) in enumerate(letter.projects, 1):
        if project:
            head = f"（{cn_index(n)}）{project}" + (
                f"（文件“{_base(file)}”）" if len(files) > 1 and file else ""
            )
        else:
            head = f"（{cn_index(n)}）报送的文件" + (f"“{_base(file)}”" if file else "")
        add(clean_text(head), style=STYLE_HEADING2)
        for i, it in enumerate(items, 1):
            add(clean_text(f"{i}.{item_text(it)}"), style=STYLE_BODY)
            if it.opinion.strip():
                p = add(style=STYLE_BODY)
                run = p.add_run("审核意见：")
                run.bold = True
                p.add_run(clean_text(it.opinion.strip()))
    closing = "请对照上述意见逐项核实、修改完善"
    if opts.deadline:
        closing += f"，并于{opts.deadline}前将修改后的自评材料重新报送{opts.bureau or ''}。"
    else:
        closing += f"后，尽快将修改后的自评材料重新报送{opts.bureau or ''}。"
    add(clean_text(closing), style=STYLE_BODY)
    if opts.contact:
        add(clean_text(f"联系人及电话：{opts.contact}"), style=STYLE_BODY)
    add(clean_text("附件：问题清单"), style=STYLE_BODY)
    date = opts.date or cn_date(today or dt.date.today())
    sign = [x for x in (opts.bureau, date) if x]
    for i, text in enumerate(sign):
        p = add(clean_text(text), style=STYLE_SIGNATURE)
        if i == 0:
            p.paragraph_format.space_before = LINE_BODY * 2
        if i < len(sign) - 1:
            p.paragraph_format.keep_with_next = True
    _appendix(doc, letter)
    props = doc.core_properties
    props.title = letter_title(letter)[:255]
    props.author = (opts.bureau or "xlperf")[:255]
    props.subject = "项目支出绩效自评审核意见"
    props.comments = "由 xlperf feedback 根据汇总表的问题清单生成"
    return doc


def _base(file: str) -> str:
    """A file as the unit knows it: its name, without the folder the bureau filed it in."""
    return file.replace("\\", "/").rsplit("/", 1)[-1]


APPENDIX_COLUMNS = (
    ("序号", 0.8),
    ("项目", 2.3),
    ("位置", 2.0),
    ("规则", 1.8),
    ("问题", 5.1),
    ("应为", 1.7),
    ("实为", 1.7),
)


def _appendix(doc, letter: Letter) -> None:
    """附件 on a page of its own: every problem of the letter with its rule code, as a table."""
    marker = doc.add_paragraph("附件", style=STYLE_ATTACHMENT)
    marker.paragraph_format.page_break_before = True  # not a break paragraph: that can leave a blank page
    doc.add_paragraph("问题清单", style=STYLE_TITLE)
    table = doc.add_table(rows=1, cols=len(APPENDIX_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, (_, width) in zip(table.columns, APPENDIX_COLUMNS, strict=True):
        col.width = Cm(width)  # the grid: what LibreOffice and WPS lay the table out by
    for cell, (head, width) in zip(table.rows[0].cells, APPENDIX_COLUMNS, strict=True):
        cell.width = Cm(width)
        cell.paragraphs[0].text = head
        cell.paragraphs[0].style = doc.styles[STYLE_TABLE_HEAD]
    _repeat_header(table.rows[0])
    for i, it in enumerate(letter.items, 1):
        where = it.where if place(it) else "（整个文件）"
        values = (str(i), it.project or _base(it.file), where, it.rule, it.text, it.expected, it.found)
        cells = table.add_row().cells
        for cell, value, (_, width) in zip(cells, values, APPENDIX_COLUMNS, strict=True):
            cell.width = Cm(width)
            para = cell.paragraphs[0]
            para.text = clean_text(value)
            para.style = doc.styles[STYLE_TABLE]
            if width > 2:
                para.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


@dataclass(frozen=True)
class Written:
    """What :func:`write_letters` wrote: each letter's unit and file, and the index."""

    folder: Path
    letters: list[tuple[Letter, Path]]
    pdfs: list[Path]
    index: Path


def write_letters(
    outcome: Outcome,
    folder: str | Path,
    opts: LetterOptions = LetterOptions(),
    *,
    pdf: bool = False,
    overwrite: bool = False,
    inputs: Sequence[str | Path] = (),
    today: dt.date | None = None,
) -> Written:
    """Write every letter of ``outcome`` (and with ``pdf`` its PDF, through LibreOffice) and an index
    into ``folder``, as one set: the folder holds exactly this run's letters afterwards. A folder
    holding anything but xlperf's letters is refused; one holding earlier letters only with
    ``overwrite``. Raises :class:`OutputError` with a Chinese reason."""
    out = Path(folder)
    earlier: list[str] = []
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"-o 应为文件夹：{shown_name(out)}")
        names = [p.name for p in out.iterdir()]
        others = [n for n in names if not (LETTER_NAME.match(n) or n == INDEX_NAME)]
        if others:
            shown = "、".join(sorted(others)[:3]) + ("等" if len(others) > 3 else "")
            raise OutputError(
                f"文件夹中已有其他文件（{shown}），请指定一个新的或空的文件夹：{shown_name(out)}"
            )
        if names and not overwrite:
            raise OutputError(f"文件夹中已有审核意见：{shown_name(out)}（如需重新生成并替换请加 --force）")
        earlier = names
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"输出文件夹的上级文件夹不存在：{shown_name(parent)}")
    plan: list[tuple[Letter, str]] = []
    used: set[str] = set()
    for letter in outcome.letters:
        name = fit_name(parent, letter_file_name(letter), keep="审核意见.docx")
        stem, n = name[: -len(".docx")], 2
        while name.casefold() in used:
            name, n = f"{stem}（{n}）.docx", n + 1
        used.add(name.casefold())
        plan.append((letter, name))
    names = (
        [n for _, n in plan] + ([n.replace(".docx", ".pdf") for _, n in plan] if pdf else []) + [INDEX_NAME]
    )
    pdfs: list[Path] = []

    def write(tmp: Path) -> None:
        for letter, name in plan:
            build_letter(letter, opts, today).save(str(tmp / name))
        if pdf and plan:
            from xlperf import libreoffice

            libreoffice.convert_many([tmp / n for _, n in plan], "pdf", tmp)
        _write_index(tmp / INDEX_NAME, outcome, plan)

    atomic_folder(out, write, [*names, *earlier], inputs=inputs, overwrite=True)
    if pdf:
        pdfs = [out / n.replace(".docx", ".pdf") for _, n in plan]
    return Written(out, [(letter, out / name) for letter, name in plan], pdfs, out / INDEX_NAME)


def _write_index(path: Path, outcome: Outcome, plan: list[tuple[Letter, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["序号", "单位", "主管部门", "结果", "错误", "警告", "提示", "文件"])
        n = 0
        for letter, name in plan:
            n += 1
            w.writerow([n, _cell(letter.unit), _cell(letter.department), "退回修改", letter.count("error"),
                        letter.count("warning"), letter.count("info"), name])  # fmt: skip
        for unit in outcome.passed:
            n += 1
            w.writerow([n, _cell(unit), "", "审核通过", 0, 0, 0, ""])


def _cell(text: str) -> str:
    """A csv cell Excel will not run as a formula."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text
