"""Static checks of the add-in's VBA, with no Excel: a lint over every module, and the module texts
reduced to what LibreOffice Basic compiles (for the LibreOffice compile check in the tests).

The lint (:func:`lint`) reports, per module:

- ``undeclared``: an identifier used in a procedure of a module under ``Option Explicit`` that is not
  declared there (parameter, ``Dim``/``Static``/``Const``/``ReDim``, label), at module level, publicly
  in another standard module, nor a VBA/Excel/Office name (:data:`KNOWN_NAMES`). VBA refuses such a
  module at compile time ("Variable not defined"); Excel compiles on first use, so without this the
  error shows on a user's PC.
- ``ptrsafe``: a ``Declare`` that is compiled under VBA7 (Office 2010 and later) without ``PtrSafe``;
  64-bit Office refuses the whole module.
- ``clash``: the same public name in two standard modules, or a public name equal to a module's name
  (VBA's "Ambiguous name detected").
- ``text_key``: an ``XlperfText`` key that is not a literal, or not in the add-in's text sheet.
- ``visible``: a public ``Function`` of a standard module without ``Option Private Module`` whose name
  is not ``XP_...``: Excel lists it in Insert Function and formula autocomplete.

The tokenizer is written here because no maintained Python VBA parser exists (oletools extracts
source and scans keywords, it does not parse); it handles what the add-in's modules and xlwings'
runtime use: comments, strings, line continuations, ``#If`` directives, type suffixes, labels,
member access and named arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------------
# Conditional compilation (#If / #ElseIf / #Else / #End If, #Const)
# --------------------------------------------------------------------------------------------------

# what LibreOffice Basic is given: one branch of every #If, for 64-bit or 32-bit Excel 2010+ on Windows
LIBREOFFICE_DEFINES: dict[str, object] = {"VBA7": True, "Win64": True, "Win32": True, "Mac": False}
LIBREOFFICE_DEFINES_32: dict[str, object] = {"VBA7": True, "Win64": False, "Win32": True, "Mac": False}

_DIRECTIVE = re.compile(r"^\s*#(If|ElseIf|Else|End\s*If|Const)\b(.*?)(?:\bThen\b)?\s*(?:'.*)?$", re.I)
_COND_TOKEN = re.compile(
    r'\s*(?:(?P<str>"[^"]*")|(?P<num>\d+(?:\.\d+)?)|(?P<op><>|>=|<=|=|<|>|\(|\))|(?P<id>\w+))'
)


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _COND_TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read #If condition {expr!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(expr) and expr[pos].isspace():
            pos += 1
    return out


def evaluate(expr: str, defines: Mapping[str, object]) -> bool:
    """A ``#If`` condition: conditional constants (undefined ones are 0), strings, numbers, comparisons,
    ``Not``, ``And``, ``Or`` and parentheses."""
    toks = _tokens(expr)
    pos = 0
    lowered = {k.lower(): v for k, v in defines.items()}

    def peek() -> tuple[str, str]:
        return toks[pos] if pos < len(toks) else ("", "")

    def take() -> tuple[str, str]:
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def atom() -> object:
        kind, text = take()
        if kind == "op" and text == "(":
            v = disj()
            take()
            return v
        if kind == "str":
            return text[1:-1]
        if kind == "num":
            return float(text)
        if kind == "id" and text.lower() == "not":
            return not truthy(comparison())
        if kind == "id":
            v = lowered.get(text.lower(), 0)
            return -1 if v is True else 0 if v is False else v
        raise ValueError(f"cannot read #If condition {expr!r}")

    def truthy(v: object) -> bool:
        return v not in (0, 0.0, "", False)

    def comparison() -> object:
        left = atom()
        kind, text = peek()
        if kind == "op" and text in ("=", "<>", ">=", "<=", "<", ">"):
            take()
            right = atom()
            if isinstance(left, str) != isinstance(right, str):
                left, right = str(left), str(right)
            return {
                "=": left == right,
                "<>": left != right,
                ">=": left >= right,  # type: ignore[operator]
                "<=": left <= right,  # type: ignore[operator]
                "<": left < right,  # type: ignore[operator]
                ">": left > right,  # type: ignore[operator]
            }[text]
        return left

    def conj() -> object:
        v = comparison()
        while peek()[0] == "id" and peek()[1].lower() == "and":
            take()
            right = comparison()
            v = truthy(v) and truthy(right)
        return v

    def disj() -> object:
        v = conj()
        while peek()[0] == "id" and peek()[1].lower() == "or":
            take()
            right = conj()
            v = truthy(v) or truthy(right)
        return v

    result = disj()
    if pos != len(toks):
        raise ValueError(f"cannot read #If condition {expr!r}")
    return truthy(result)


def preprocess(text: str, defines: Mapping[str, object]) -> str:
    """The module as VBA compiles it under ``defines``: the lines of the taken branch of every ``#If``;
    directive lines and the lines of the other branches become empty lines (line numbers are kept).
    ``#Const`` lines define constants for what follows."""
    consts = dict(defines)
    out: list[str] = []
    # a stack of (this branch is taken, some branch of this #If was taken, the enclosing is active)
    stack: list[list[bool]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        active = all(frame[0] for frame in stack)
        m = _DIRECTIVE.match(line)
        if not m:
            out.append(line if active else "")
            continue
        word = re.sub(r"\s+", " ", m.group(1)).lower()
        rest = m.group(2)
        if word == "if":
            taken = active and evaluate(rest, consts)
            stack.append([taken, taken, active])
        elif word == "elseif":
            frame = stack[-1]
            frame[0] = frame[2] and not frame[1] and evaluate(rest, consts)
            frame[1] = frame[1] or frame[0]
        elif word == "else":
            frame = stack[-1]
            frame[0] = frame[2] and not frame[1]
            frame[1] = True
        elif word == "end if":
            stack.pop()
        elif word == "const" and active:
            name, _, value = rest.partition("=")
            value = value.strip()
            consts[name.strip()] = value[1:-1] if value.startswith('"') else evaluate(value, consts)
        out.append("")
    if stack:
        raise ValueError("#If without #End If")
    return "\n".join(out)


def libreoffice_source(text: str, defines: Mapping[str, object] = LIBREOFFICE_DEFINES) -> str:
    """A module as LibreOffice Basic can compile it: one branch of every ``#If`` (by default the one
    64-bit VBA7 on Windows compiles), no ``PtrSafe`` (LibreOffice's Declare has no such keyword)."""
    return re.sub(r"\bDeclare\s+PtrSafe\s+", "Declare ", preprocess(text, defines), flags=re.I)


def _configurations() -> list[dict[str, object]]:
    """Every combination of the host constants VBA defines, for the VBA7 (Office 2010+) hosts."""
    out = []
    for win64 in (True, False):
        for mac in (True, False):
            if win64 and mac:
                continue
            out.append({"VBA7": True, "Win64": win64, "Win32": not mac, "Mac": mac})
    return out


# --------------------------------------------------------------------------------------------------
# Tokens of logical lines
# --------------------------------------------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"]|"")*"')


@dataclass(frozen=True)
class Line:
    """A logical line (continuations joined) with comments removed and every string literal replaced by
    ``"N"``, N its index in ``strings``; ``number`` is the first physical line (1-based)."""

    number: int
    code: str
    strings: tuple[str, ...]


def logical_lines(text: str) -> list[Line]:
    physical = text.replace("\r\n", "\n").split("\n")
    out: list[Line] = []
    buf, strings, start = "", [], 0
    for i, raw in enumerate(physical, 1):
        code, found = _strip(raw, len(strings))
        if not buf:
            start = i
        strings += found
        if re.search(r"(^|\s)_\s*$", code):
            buf += re.sub(r"_\s*$", " ", code)
            continue
        buf += code
        out.append(Line(start, buf, tuple(strings)))
        buf, strings = "", []
    if buf:
        out.append(Line(start, buf, tuple(strings)))
    return out


def _strip(raw: str, first: int) -> tuple[str, list[str]]:
    """The code of a physical line: strings replaced by ``"N"`` (N from ``first``), comments removed."""
    out, strings, pos = [], [], 0
    while pos < len(raw):
        ch = raw[pos]
        if ch == '"':
            m = _STRING.match(raw, pos)
            end = m.end() if m else len(raw)
            strings.append(raw[pos + 1 : end - 1].replace('""', '"'))
            out.append(f'"{first + len(strings) - 1}"')
            pos = end
            continue
        if ch == "'":
            break
        if raw[pos:pos + 3].lower() == "rem" and (pos == 0 or not (raw[pos - 1].isalnum() or raw[pos - 1] in "_.")) \
                and (pos + 3 == len(raw) or raw[pos + 3].isspace()) and not raw[:pos].strip():  # fmt: skip
            break
        out.append(ch)
        pos += 1
    return "".join(out), strings


# --------------------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------------------

_PROC = re.compile(
    r"^\s*(?:(Public|Private|Friend|Global)\s+)?(?:Static\s+)?(Sub|Function|Property\s+(?:Get|Let|Set))\s+(\w+)"
    r"[$%&!#@]?\s*(?:\((.*)\))?",
    re.I,
)
_END_PROC = re.compile(r"^\s*End\s+(Sub|Function|Property)\b", re.I)
_DECLARE = re.compile(
    r"^\s*(?:(Public|Private|Global)\s+)?Declare\s+(PtrSafe\s+)?(?:Sub|Function)\s+(\w+)", re.I
)
_MODULE_VAR = re.compile(
    r"^\s*(Public|Private|Global|Dim|Const|Static)\s+(?!Sub\b|Function\b|Declare\b|Property\b)(.*)$", re.I
)
_CONST_AFTER_SCOPE = re.compile(r"^\s*(?:(Public|Private|Global)\s+)?Const\s+(.*)$", re.I)
_ENUM_TYPE = re.compile(r"^\s*(?:(Public|Private)\s+)?(Enum|Type)\s+(\w+)", re.I)
_END_BLOCK = re.compile(r"^\s*End\s+(Enum|Type)\b", re.I)
_LOCAL_DECL = re.compile(r"^\s*(Dim|Static|Const|ReDim(?:\s+Preserve)?)\s+(.*)$", re.I)
_LABEL = re.compile(r"^\s*([A-Za-z]\w*):(?!=)")
_IDENT = re.compile(r"[A-Za-z_]\w*[$%&!#@]?")


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p for p in (p.strip() for p in parts) if p]


def _declared_names(decl_list: str) -> list[str]:
    """Names in ``a As Long, b(1 To 3) As String, Optional ByVal c As Variant = 1``."""
    names = []
    for part in _split_top(decl_list):
        words = re.sub(r"^((Optional|ByVal|ByRef|ParamArray|WithEvents|Preserve)\s+)+", "", part, flags=re.I)
        m = re.match(r"\w+", words)
        if m:
            names.append(m.group(0))
    return names


def _bare(name: str) -> str:
    return name.rstrip("$%&!#@").lower()


@dataclass(frozen=True)
class Procedure:
    name: str
    kind: str  # sub / function / property
    public: bool
    first: int  # index into the module's logical lines of the declaration line
    last: int  # index of its End line
    params: tuple[str, ...]


@dataclass
class ModuleInfo:
    """What the lint knows of one module."""

    name: str
    kind: str  # "module" / "class" / "document"
    lines: list[Line]
    option_explicit: bool
    option_private: bool
    procedures: list[Procedure]
    module_names: set[str]  # every name declared at module level (any scope), lower-case
    public_names: dict[str, int]  # lower-case public module-level names and procedures -> line
    declares: list[tuple[int, str, bool]]  # (line number, name, has PtrSafe) of active Declares


def analyse(name: str, kind: str, text: str, defines: Mapping[str, object] | None = None) -> ModuleInfo:
    """Declarations of a module, read from its text with ``defines`` applied to ``#If`` (None: every
    branch of every ``#If`` is read, as when collecting names)."""
    src = "\n".join(ln if not _DIRECTIVE.match(ln) else "" for ln in text.replace("\r\n", "\n").split("\n")) \
        if defines is None else preprocess(text, defines)  # fmt: skip
    lines = logical_lines(src)
    option_explicit = any(re.match(r"^\s*Option\s+Explicit\b", ln.code, re.I) for ln in lines)
    option_private = any(re.match(r"^\s*Option\s+Private\s+Module\b", ln.code, re.I) for ln in lines)
    procs: list[Procedure] = []
    module_names: set[str] = set()
    public: dict[str, int] = {}
    declares: list[tuple[int, str, bool]] = []
    default_public = kind == "module"
    i = 0
    block = None
    while i < len(lines):
        code = lines[i].code
        if block:
            if _END_BLOCK.match(code):
                block = None
            i += 1
            continue
        m = _ENUM_TYPE.match(code)
        if m:
            module_names.add(m.group(3).lower())
            block = m.group(2)
            if (m.group(1) or "").lower() != "private":
                public[m.group(3).lower()] = lines[i].number
            i += 1
            continue
        m = _DECLARE.match(code)
        if m:
            module_names.add(_bare(m.group(3)))
            declares.append((lines[i].number, m.group(3), bool(m.group(2))))
            if (m.group(1) or "").lower() in ("public", "global") or (m.group(1) is None and default_public):
                public[_bare(m.group(3))] = lines[i].number
            i += 1
            continue
        m = _PROC.match(code)
        if m and not re.match(r"^\s*(Dim|Const)\b", code, re.I):
            # a procedure without Private is public (also in classes, where that makes it a member)
            is_public = (m.group(1) or "").lower() != "private"
            j = i + 1
            while j < len(lines) and not _END_PROC.match(lines[j].code):
                j += 1
            params = tuple(_declared_names(m.group(4) or ""))
            pkind = m.group(2).split()[0].lower()
            procs.append(Procedure(m.group(3), pkind, is_public, i, j, params))
            module_names.add(_bare(m.group(3)))
            if is_public:
                public[_bare(m.group(3))] = lines[i].number
            i = j + 1
            continue
        m = _CONST_AFTER_SCOPE.match(code)
        if m:
            for nm in _const_names(m.group(2)):
                module_names.add(_bare(nm))
                if (m.group(1) or "").lower() in ("public", "global"):
                    public[_bare(nm)] = lines[i].number
            i += 1
            continue
        m = _MODULE_VAR.match(code)
        if m:
            for nm in _declared_names(m.group(2)):
                module_names.add(_bare(nm))
                if m.group(1).lower() in ("public", "global"):
                    public[_bare(nm)] = lines[i].number
        i += 1
    return ModuleInfo(
        name, kind, lines, option_explicit, option_private, procs, module_names, public, declares
    )


def _const_names(text: str) -> list[str]:
    return [re.match(r"\w+", p).group(0) for p in _split_top(text) if re.match(r"\w+", p)]  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------
# The names VBA, Excel and Office provide (what the modules may use without declaring)
# --------------------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_KEYWORDS = _words("""
and as boolean byref byte byval call case close const currency date declare dim do double each else elseif
empty end enum eqv erase error exit explicit false for friend function get global gosub goto if imp in input
integer is let lib like line long longlong longptr loop lset me mod new next not nothing null object on open
option optional or output paramarray preserve print private property ptrsafe public put raise randomize redim
rem resume return rset select set single static step stop string sub then to true type typeof until variant
wend while with withevents xor append binary access read write lock shared base compare text module alias
attribute
""")
_VBA_FUNCTIONS = _words("""
abs array asc atn cbool cbyte ccur cdate cdbl cdec chr chr$ chrw cint clng clnglng clngptr cos createobject
csng cstr cvar curdir date$ dateadd datediff datepart dateserial datevalue day dir dir$ doevents environ
environ$ eof err error$ exp filecopy filedatetime filelen fix format format$ freefile getattr getobject hex
hex$ hour iif instr instrrev int isarray isdate isempty iserror ismissing isnull isnumeric isobject join
kill lbound lcase lcase$ left left$ len lenb loc lof log ltrim ltrim$ mid mid$ minute mkdir month msgbox now
oct randomize replace rgb right right$ rmdir rnd round rtrim rtrim$ second sgn shell sin space space$ split
sqr str str$ strcomp strconv string$ strreverse tan time timer timeserial timevalue trim trim$ typename
ubound ucase ucase$ val vartype weekday year debug appactivate beep sendkeys macscript applescripttask
inputbox filedatetime setattr chdir chdrive callbyname
""")
_VBA_CONSTANTS = _words("""
vbcrlf vbcr vblf vbnewline vbnullstring vbnullchar vbtab vbtextcompare vbbinarycompare vbinformation
vbcritical vbexclamation vbquestion vbokonly vbokcancel vbyesno vbyesnocancel vbyes vbno vbok vbcancel
vbdirectory vbnormal vbhidden vbsystem vbarchive vbreadonly vbstring vbinteger vblong vbdouble vbdate
vbboolean vbvariant vbobject vbarray vbempty vbnull vberror vbdefaultbutton1 vbdefaultbutton2
vbdefaultbutton3 vbsystemmodal vbapplicationmodal vbmsgboxsetforeground vbobjecterror
""")
_EXCEL_NAMES = _words("""
application thisworkbook activeworkbook activesheet activecell workbooks worksheets sheets range cells
selection workbook worksheet xldown xlup xltoleft xltoright xlexcellinks xllinktypeexcellinks
xlupdatelinksnever xlupdatelinksalways xlupdatelinksusersetting xlshiftdown xlformatfromleftorabove
xlvalues xlformulas xlcalculationmanual xlcalculationautomatic
""")
_OFFICE_NAMES = _words("iribbonui iribboncontrol")
_TYPES = _words(
    "variant string long integer boolean double single date object byte currency longptr longlong"
)

KNOWN_NAMES = frozenset(_KEYWORDS + _VBA_FUNCTIONS + _VBA_CONSTANTS + _EXCEL_NAMES + _OFFICE_NAMES + _TYPES)


# --------------------------------------------------------------------------------------------------
# The lint
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One lint finding: the rule, the module, the (1-based) line and what is wrong."""

    rule: str
    module: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.rule}: {self.message}"


def _used_identifiers(code: str) -> list[str]:
    """Identifiers a line uses: not members (``x.Name``), not named arguments (``Name:=``), not type
    names after ``As``, not the words after ``New``/``Exit``/``End``/``GoTo``/``Resume``."""
    out = []
    for m in _IDENT.finditer(code):
        word = m.group(0)
        before = code[: m.start()].rstrip()
        after = code[m.end() :].lstrip()
        if before.endswith(".") or after.startswith(":="):
            continue
        if re.search(r"\b(As|New|GoTo|Resume|Exit|End|Lib|Alias|Implements)\s*$", before, re.I):
            continue
        if before.endswith("#"):  # file numbers (#1) are not identifiers
            continue
        if re.fullmatch(r"\d+\w*", word):
            continue
        out.append(word)
    return out


def _local_names(info: ModuleInfo, proc: Procedure) -> set[str]:
    names = {_bare(p) for p in proc.params} | {_bare(proc.name)}
    for ln in info.lines[proc.first + 1 : proc.last]:
        code = ln.code
        for stmt in _statements(code):
            m = _LOCAL_DECL.match(stmt)
            if m:
                decl = m.group(2)
                if m.group(1).lower() == "const":
                    names |= {_bare(n) for n in _const_names(decl)}
                else:
                    names |= {_bare(n) for n in _declared_names(decl)}
            lm = _LABEL.match(stmt)
            if lm:
                names.add(lm.group(1).lower())
    return names


def _statements(code: str) -> list[str]:
    """A logical line split on ``:`` statement separators (not ``:=``, strings are already blanked)."""
    return [s for s in re.split(r":(?!=)", code)] if ":" in code and not _LABEL.match(code) else [code]


def lint(
    modules: Sequence[tuple[str, str, str]],
    text_keys: Iterable[str] = (),
    *,
    text_functions: Mapping[str, int] | None = None,
    visible_prefix: str = "XP_",
) -> list[Problem]:
    """Lint the VBA project ``modules`` (name, kind, source) against the text sheet's ``text_keys``.

    ``text_functions`` maps a procedure to the position of its text-key argument (default:
    ``XlperfText`` and ``XlperfSetupAlert``, both at 0).
    """
    text_functions = {"xlperftext": 0, "xlperfsetupalert": 0} if text_functions is None else {
        k.lower(): v for k, v in text_functions.items()}  # fmt: skip
    keys = set(text_keys)
    infos = [analyse(n, k, t) for n, k, t in modules]
    problems: list[Problem] = []
    module_names = {i.name.lower(): i.name for i in infos}

    # public names of standard modules: clashes, and what every module may use
    owners: dict[str, list[tuple[str, int]]] = {}
    for info in infos:
        if info.kind != "module":
            continue
        for low, number in info.public_names.items():
            owners.setdefault(low, []).append((info.name, number))
    for low, where in sorted(owners.items()):
        for mod, number in where[1:]:
            problems.append(Problem("clash", mod, number, f"public name {low} also in {where[0][0]}"))
        if low in module_names:
            problems.append(
                Problem("clash", where[0][0], where[0][1], f"public name {low} is also a module's name")
            )
    global_names = set(owners) | set(module_names)

    for (_, _, text), info in zip(modules, infos, strict=True):
        # Declare without PtrSafe where VBA7 compiles it
        seen: set[tuple[int, str]] = set()
        for defines in _configurations():
            for number, name, safe in analyse(info.name, info.kind, text, defines).declares:
                if not safe and (number, name) not in seen:
                    seen.add((number, name))
                    problems.append(
                        Problem("ptrsafe", info.name, number, f"Declare {name} without PtrSafe under VBA7")
                    )
        # Excel lists the public functions of a non-private standard module
        if info.kind == "module" and not info.option_private:
            for p in info.procedures:
                if p.kind == "function" and p.public and not p.name.startswith(visible_prefix):
                    problems.append(Problem(
                        "visible", info.name, info.lines[p.first].number,
                        f"function {p.name} shows in Insert Function (Option Private Module or make it Private)",
                    ))  # fmt: skip
        # undeclared identifiers and text keys, procedure by procedure
        for p in info.procedures:
            local = _local_names(info, p)
            allowed = local | info.module_names | global_names | KNOWN_NAMES
            for ln in info.lines[p.first + 1 : p.last]:
                if info.option_explicit:
                    for word in _used_identifiers(ln.code):
                        if _bare(word) not in allowed:
                            problems.append(
                                Problem("undeclared", info.name, ln.number, f"{word} is not declared")
                            )
                problems += _text_key_problems(info, p, ln, text_functions, keys)
    return problems


def _text_key_problems(
    info: ModuleInfo, proc: Procedure, ln: Line, functions: Mapping[str, int], keys: set[str]
) -> list[Problem]:
    out = []
    for fname, position in functions.items():
        # a call with parentheses anywhere, or a statement call (``XlperfSetupAlert "key", ...``)
        pattern = rf"(?<![\w.]){fname}\s*\(|^\s*(?:Call\s+)?{fname}\s+(?![=:])"
        for m in re.finditer(pattern, ln.code, re.I):
            args = _call_args(ln.code, m.end(), m.group(0).rstrip().endswith("("))
            if len(args) <= position:
                continue
            arg = args[position].strip()
            literal = re.fullmatch(r'"(\d+)"', arg)
            if literal:
                key = ln.strings[int(literal.group(1))]
                if key not in keys:
                    out.append(
                        Problem(
                            "text_key", info.name, ln.number, f"text key {key!r} is not in the text sheet"
                        )
                    )
            elif not (proc.name.lower() in functions and _bare(arg) in {_bare(p) for p in proc.params}):
                out.append(Problem("text_key", info.name, ln.number, f"text key {arg} is not a literal"))
    return out


def _call_args(code: str, start: int, parenthesised: bool) -> list[str]:
    """The arguments of a call whose argument list starts at ``start``."""
    if parenthesised:
        depth, end = 1, start
        while end < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            end += 1
        return _split_top(code[start : end - 1])
    return _split_top(code[start:])
