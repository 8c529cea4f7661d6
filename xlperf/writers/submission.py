"""The 报送版 (submission copy): a unit's workbook with every formula that calls an ``XP_`` function
replaced by the value Excel cached for it, for readers without the add-in (WPS, the finance bureau),
who would see ``#NAME?``.

Lossless, like the annotated copy: the package is edited part by part (:mod:`xlperf.writers.ooxml`),
so images (a scanned seal), charts, notes, data validations, sheet protection, macros, styles and every
formula that is not ours stay byte for byte. Only this changes:

- in each worksheet, the ``<f>`` element of a cell whose formula calls ``XP_…`` is removed; the cell
  keeps its cached ``<v>`` and type (a formula shared from such a cell, and the cells of an array
  formula, go with it);
- the calculation chain (``calcChain.xml``), which lists formula cells, is dropped when a formula was
  removed (Excel rebuilds it; a stale one makes Excel repair the file);
- links to the add-in itself (external links to an ``.xlam``) are dropped when no formula or defined
  name refers to an external book any more.

A workbook saved by a script has no cached values: its XP_ cells become empty, as they would show
nothing without the add-in either.
"""

from __future__ import annotations

import re
from pathlib import Path

from xlperf.writers import ooxml as ox
from xlperf.writers.annotate import copy_suffix, open_package
from xlperf.writers.xlsxparts import Book

XP_CALL = re.compile(r"(?<![A-Za-z0-9_.])XP_[A-Z0-9_]+\s*\(", re.IGNORECASE)
_EXTERNAL_BOOK = re.compile(r"\[\d+\]")
REL_CALC_CHAIN = ox.NS_REL + "/calcChain"
REL_EXTERNAL_LINK = ox.NS_REL + "/externalLink"


def calls_xp(formula: str) -> bool:
    """Whether a formula's text calls an XP_ function (not MYXP_RATE, not a string that mentions it)."""
    return bool(XP_CALL.search(formula))


def replace_xp_formulas(pkg: ox.Package) -> int:
    """Remove the XP_ formulas of every worksheet of ``pkg`` (in memory); returns how many cells lost
    one. The calculation chain and the add-in's links follow (see the module docstring)."""
    book = Book(pkg)
    replaced = 0
    for entry in book.sheets:
        if not entry.part or not pkg.exists(entry.part):
            continue
        text = pkg.text(entry.part)
        new, n = _sheet_without_xp(text)
        if n:
            pkg.write(entry.part, new)
            replaced += n
    if replaced:
        _drop_calc_chain(pkg, book)
    _drop_addin_links(pkg, book)
    return replaced


def _formula(text: str, span: ox.Span) -> str:
    if span.empty:
        return ""
    return ox.text_unescape(text[span.tag_end : ox.content_end(text, span)])


def _sheet_without_xp(text: str) -> tuple[str, int]:
    """A worksheet's XML without its XP_ formulas, and how many were removed."""
    if "XP_" not in text.upper():
        return text, 0
    formulas = ox.find_all(text, "f")
    shared_xp: set[str] = set()  # the shared formulas (si) whose master calls XP_
    for span in formulas:
        a = ox.attrs(text[span.start : span.tag_end])
        if a.get("t") == "shared" and "ref" in a and calls_xp(_formula(text, span)):
            shared_xp.add(a.get("si", ""))
    edits = []
    for span in formulas:
        a = ox.attrs(text[span.start : span.tag_end])
        body = _formula(text, span)
        if calls_xp(body) or (a.get("t") == "shared" and not body and a.get("si", "") in shared_xp):
            edits.append((span.start, span.end, ""))
    return ox.splice(text, edits), len(edits)


def _drop_calc_chain(pkg: ox.Package, book: Book) -> None:
    for rel in list(pkg.rels(book.part)):
        if rel.type == REL_CALC_CHAIN and not rel.external:
            pkg.remove_rel(book.part, rel.id)
            if pkg.exists(rel.part):
                pkg.delete(rel.part)
                pkg.remove_override(rel.part)


def _drop_addin_links(pkg: ox.Package, book: Book) -> None:
    """Drop external links when every one is to an add-in (.xlam) and nothing refers to an external
    book any more (an XP_ call written by an add-in on another PC is one: ``[1]!XP_RATE(…)``)."""
    links = [r for r in pkg.rels(book.part) if r.type == REL_EXTERNAL_LINK and not r.external]
    if not links:
        return
    for link in links:
        targets = [r.target for r in pkg.rels(link.part) if r.external] if pkg.exists(link.part) else []
        if not targets or not all(t.lower().endswith(".xlam") for t in targets):
            return
    for entry in book.sheets:
        if entry.part and pkg.exists(entry.part):
            text = pkg.text(entry.part)
            if any(_EXTERNAL_BOOK.search(_formula(text, s)) for s in ox.find_all(text, "f")):
                return
    workbook = pkg.text(book.part)
    names = ox.find(workbook, "definedNames")
    if names is not None and _EXTERNAL_BOOK.search(workbook[names.start : names.end]):
        return
    refs = ox.find(workbook, "externalReferences")
    if refs is not None:
        pkg.write(book.part, workbook[: refs.start] + workbook[refs.end :])
    for link in links:
        pkg.remove_rel(book.part, link.id)
        if pkg.exists(link.part):
            rels = ox.rels_name(link.part)
            if pkg.exists(rels):
                pkg.delete(rels)
            pkg.delete(link.part)
            pkg.remove_override(link.part)
    book.load()


def submission_package(src: str | Path) -> tuple[ox.Package, int, str]:
    """The submission copy of ``src`` in memory (``src`` is only read), how many cells it changed, and
    the suffix its content needs (.xlsm for a workbook with macros, which the copy keeps). Raises
    :class:`xlperf.errors.ReadError` with a Chinese reason for a file that cannot be copied."""
    pkg = open_package(src)
    return pkg, replace_xp_formulas(pkg), copy_suffix(pkg)
