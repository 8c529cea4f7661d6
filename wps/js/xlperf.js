/*
 * xlperf for WPS 表格: the 绩效自评 ribbon's buttons over the ET object model.
 *
 * Thin by design: every button reads grids (each sheet's values in one call), posts them to the local
 * service (`xlperf serve`, on 127.0.0.1) and applies what comes back. Validation applies the plan's live
 * form (xlperf/core/plan.py: live_plan) with the same writes, in the same order, as the Excel ribbon
 * (xlperf/excel/apply.py), so the two front ends give the same 校验结果 sheet, fills and notes.
 *
 * The ET object model as this file uses it (what the tests' fake, tests/js/fake_et.js, implements):
 * - Range.Value2 returns a scalar for one cell, and for more either a JS 2-D array or an object read
 *   with Item(row, col) (1-based), depending on the build: readValues() takes all three.
 * - Parameterised properties are methods: Range.Address(), Comment.Text(). Some builds expose Count,
 *   UsedRange, Value2, Name (and the like) as methods too: every such read goes through get(), which
 *   takes a method or a property.
 * - Colours are BGR integers (red in the low byte), as in VBA.
 * - Some builds (the Mac one) throw on a bulk write of a 2-D array to Range.Value2: writeValues() falls
 *   back to one cell at a time. Calls no documentation confirms have a fallback each (docs/windows-
 *   checklist.md lists them): Comment.Text(text, 1, true), Worksheets.Add(before, after),
 *   Rows.Item(n).Insert(...), a 2-D Range.Formula.
 *
 * The service is ours only when it proves it: each call starts with a hello the service answers with a
 * MAC of our random nonce under the install secret (read from the add-in's key file through WPS's file
 * API, never sent anywhere), and every answer is signed the same way (xlperf/wps/auth.py). Nothing of a
 * workbook goes to a program that cannot prove itself, and no path it names is opened unless it is the
 * output asked for.
 *
 * Plain JS, no build step: the file runs as it is in WPS's browser (ES2017: no optional chaining) and
 * under Node's test runner (module.exports).
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.xlperf = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var TITLE = "绩效自评";
  var RESULT_SHEET = "校验结果";
  var RECORD_SHEET = "_xlperf_marks";
  var SUMMARY_SHEET = "项目汇总";
  var MAX_ROWS = 3000;
  var MAX_COLS = 60;
  var MAX_ADDRESS = 255;
  var STATUS_EVERY = 5;

  // Excel's (and ET's) constants
  var XL = {
    halign: { left: -4131, center: -4108, right: -4152 },
    valign: { top: -4160, center: -4108 },
    continuous: 1,
    underlineSingle: 2,
    underlineNone: -4142,
    colorIndexNone: -4142,
    landscape: 2,
    portrait: 1,
    paper: { A4: 9, A3: 8, Letter: 1 },
    sheetVisible: -1,
    sheetHidden: 0,
    sheetVeryHidden: 2,
    shiftDown: -4121,
    formatFromLeftOrAbove: 0,
    folderPicker: 4,
  };
  // CVErr values, as Value2 gives error cells through COM-like bridges
  var ERRORS = {
    "-2146826281": "#DIV/0!",
    "-2146826246": "#N/A",
    "-2146826259": "#NAME?",
    "-2146826288": "#NULL!",
    "-2146826252": "#NUM!",
    "-2146826265": "#REF!",
    "-2146826273": "#VALUE!",
  };
  var PROTECT_FLAGS = [
    "AllowFormattingCells",
    "AllowFormattingColumns",
    "AllowFormattingRows",
    "AllowInsertingColumns",
    "AllowInsertingRows",
    "AllowInsertingHyperlinks",
    "AllowDeletingColumns",
    "AllowDeletingRows",
    "AllowSorting",
    "AllowFiltering",
    "AllowUsingPivotTables",
  ];

  function XlperfError(message) {
    this.name = "XlperfError";
    this.message = message;
    this.stack = new Error(message).stack;
  }
  XlperfError.prototype = Object.create(Error.prototype);
  XlperfError.prototype.constructor = XlperfError;

  // --- small helpers ---------------------------------------------------------------------------------

  function call(obj, name) {
    // a parameterised property is a method in WPS JS (Range.Address()); some builds make plain ones
    // methods too (Count(), UsedRange(), Value2(), Name()): take a method or a property alike
    var v = obj[name];
    if (typeof v === "function") {
      return v.apply(obj, Array.prototype.slice.call(arguments, 2));
    }
    return v;
  }
  var get = call;

  function colLetter(n) {
    var s = "";
    while (n > 0) {
      var r = (n - 1) % 26;
      s = String.fromCharCode(65 + r) + s;
      n = Math.floor((n - 1) / 26);
    }
    return s;
  }

  function parseCell(ref) {
    var m = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(String(ref).trim());
    if (!m) {
      throw new Error("not a cell reference: " + ref);
    }
    var col = 0;
    var letters = m[1].toUpperCase();
    for (var i = 0; i < letters.length; i++) {
      col = col * 26 + letters.charCodeAt(i) - 64;
    }
    return [parseInt(m[2], 10), col];
  }

  function parseArea(address) {
    // "$A$1:$K$30" (or "A1", or "Sheet!A1:B2") -> [r1, c1, r2, c2]
    var a = String(address).split("!").pop().split(",")[0];
    var parts = a.split(":");
    var p1 = parseCell(parts[0]);
    var p2 = parts.length > 1 ? parseCell(parts[1]) : p1;
    return [Math.min(p1[0], p2[0]), Math.min(p1[1], p2[1]), Math.max(p1[0], p2[0]), Math.max(p1[1], p2[1])];
  }

  function bgr(rgb) {
    var r = parseInt(rgb.substr(0, 2), 16);
    var g = parseInt(rgb.substr(2, 2), 16);
    var b = parseInt(rgb.substr(4, 2), 16);
    return r + g * 256 + b * 65536;
  }

  function rgbHex(color) {
    // a BGR integer -> "#RRGGBB" (the record sheet's form, as the Excel ribbon writes it)
    var n = Number(color);
    var hex = function (x) {
      var s = (x & 255).toString(16).toUpperCase();
      return s.length < 2 ? "0" + s : s;
    };
    return "#" + hex(n) + hex(n >> 8) + hex(n >> 16);
  }

  function hexRgb(text) {
    var s = String(text || "").replace(/^#/, "").trim();
    return /^[0-9A-Fa-f]{6}$/.test(s) ? s.toUpperCase() : null;
  }

  function addressChunks(parts, limit) {
    limit = limit || MAX_ADDRESS;
    var out = [];
    var current = "";
    parts.forEach(function (p) {
      var candidate = current ? current + "," + p : p;
      if (candidate.length > limit && current) {
        out.push(current);
        current = p;
      } else {
        current = candidate;
      }
    });
    if (current) {
      out.push(current);
    }
    return out;
  }

  // --- reading: values in, grids out ---------------------------------------------------------------

  function cellValue(v) {
    if (v === undefined || v === null || v === "") {
      return null;
    }
    if (typeof v === "number") {
      if (!isFinite(v)) {
        return "#NUM!";
      }
      var err = ERRORS[String(v)];
      return err !== undefined ? err : v;
    }
    if (typeof v === "boolean" || typeof v === "string") {
      return v;
    }
    if (v instanceof Date) {
      // OLE automation date (Value2 gives numbers; a bridge that gives a Date gets the same number)
      return (v.getTime() - Date.UTC(1899, 11, 30)) / 86400000 - v.getTimezoneOffset() / 1440;
    }
    return String(v);
  }

  /**
   * A range's Value2 as rows of cells, whatever shape the build returns: a scalar (one cell), a JS 2-D
   * array (or, for one row or one column, a flat one), an object read with Item(r, c), or a VBArray.
   */
  function readValues(value, nrows, ncols) {
    var rows = [];
    var r, c;
    if (value === null || value === undefined || typeof value !== "object" || value instanceof Date) {
      rows.push([cellValue(value)]);
    } else if (Array.isArray(value)) {
      var flat = value.length > 0 && !Array.isArray(value[0]);
      if (flat && nrows === 1) {
        rows.push(value.map(cellValue));
      } else if (flat) {
        rows = value.map(function (v) {
          return [cellValue(v)];
        });
      } else {
        rows = value.map(function (row) {
          return Array.isArray(row) ? row.map(cellValue) : [cellValue(row)];
        });
      }
    } else if (typeof value.Item === "function" || typeof value.item === "function") {
      var item = typeof value.Item === "function" ? "Item" : "item";
      for (r = 1; r <= nrows; r++) {
        var row = [];
        for (c = 1; c <= ncols; c++) {
          row.push(cellValue(value[item](r, c)));
        }
        rows.push(row);
      }
    } else if (typeof value.toArray === "function") {
      var all = value.toArray(); // a VBArray: the first dimension varies fastest
      for (r = 0; r < nrows; r++) {
        var vrow = [];
        for (c = 0; c < ncols; c++) {
          vrow.push(cellValue(all[c * nrows + r]));
        }
        rows.push(vrow);
      }
    } else {
      throw new XlperfError("无法读取单元格的值（WPS 返回了未知的数据格式）：请升级 WPS 后再试。");
    }
    return rows;
  }

  function sheetState(ws) {
    var v = get(ws, "Visible");
    if (v === XL.sheetVeryHidden) {
      return "veryhidden";
    }
    return v === XL.sheetHidden || v === false ? "hidden" : "visible";
  }

  function usedArea(ws) {
    var ur = get(ws, "UsedRange");
    try {
      return [ur, parseArea(call(ur, "Address"))];
    } catch (e) {
      var r1 = get(ur, "Row");
      var c1 = get(ur, "Column");
      return [ur, [r1, c1, r1 + get(ur.Rows, "Count") - 1, c1 + get(ur.Columns, "Count") - 1]];
    }
  }

  /** One sheet as {name, state, rows} from A1, its values read in one call. */
  function readSheet(ws, name) {
    name = name === undefined ? get(ws, "Name") : name;
    var u = usedArea(ws);
    var ur = u[0];
    var a = u[1];
    var r2 = Math.min(a[2], MAX_ROWS);
    var c2 = Math.min(a[3], MAX_COLS);
    var rows;
    if (a[2] > MAX_ROWS || a[3] > MAX_COLS || a[0] > r2 || a[1] > c2) {
      // a used range stretched far past the form (formats to row 1048576): read only what can matter
      rows = readValues(get(ws.Range("A1:" + colLetter(c2) + r2), "Value2"), r2, c2);
    } else {
      var inner = readValues(get(ur, "Value2"), a[2] - a[0] + 1, a[3] - a[1] + 1);
      rows = [];
      for (var r = 1; r < a[0]; r++) {
        rows.push(new Array(c2).fill(null));
      }
      inner.forEach(function (row) {
        var pad = new Array(a[1] - 1).fill(null);
        rows.push(pad.concat(row));
      });
    }
    return { name: name, state: sheetState(ws), rows: rows };
  }

  function worksheets(wb) {
    var sheets = wb.Worksheets;
    var n = get(sheets, "Count");
    var out = [];
    for (var i = 1; i <= n; i++) {
      var ws = sheets.Item(i);
      out.push({ name: String(get(ws, "Name")), ws: ws });
    }
    return out;
  }

  function byName(list) {
    var out = {};
    list.forEach(function (s) {
      out[s.name] = s.ws;
    });
    return out;
  }

  // --- writing -----------------------------------------------------------------------------------

  /** Write rows from `topLeft` in one call; a build that refuses bulk writes gets one cell at a time. */
  function writeValues(ws, rows, topLeft) {
    topLeft = topLeft || "A1";
    var start = parseCell(topLeft);
    var width = 0;
    rows.forEach(function (r) {
      width = Math.max(width, r.length);
    });
    if (!rows.length || !width) {
      return;
    }
    var data = rows.map(function (r) {
      var out = r.slice();
      while (out.length < width) {
        out.push(null);
      }
      return out.map(function (v) {
        return v === null || v === undefined ? "" : v;
      });
    });
    var address =
      colLetter(start[1]) + start[0] + ":" + colLetter(start[1] + width - 1) + (start[0] + rows.length - 1);
    try {
      ws.Range(address).Value2 = data;
    } catch (e) {
      for (var i = 0; i < data.length; i++) {
        for (var j = 0; j < width; j++) {
          if (data[i][j] !== "") {
            ws.Cells.Item(start[0] + i, start[1] + j).Value2 = data[i][j];
          }
        }
      }
    }
  }

  function readColor(rng) {
    // [uniform, rgbHex or null]: a range of mixed fills cannot say one colour
    try {
      var index = rng.Interior.ColorIndex;
      if (index === XL.colorIndexNone) {
        return [true, null];
      }
      if (index === null || index === undefined) {
        return [false, null];
      }
      var color = rng.Interior.Color;
      if (color === null || color === undefined) {
        return [false, null];
      }
      return [true, rgbHex(color)];
    } catch (e) {
      return [false, null];
    }
  }

  function setFill(rng, rgb) {
    if (rgb) {
      rng.Interior.Color = bgr(rgb);
    } else {
      rng.Interior.ColorIndex = XL.colorIndexNone;
    }
  }

  /** [[address, "#RRGGBB" or ""]] covering `addresses` before marking (mixed chunks halved). */
  function originalFills(ws, addresses) {
    var out = [];
    var stack = addressChunks(addresses)
      .reverse()
      .map(function (a) {
        return a.split(",");
      });
    while (stack.length) {
      var part = stack.pop();
      var address = part.join(",");
      var rc = readColor(ws.Range(address));
      if (rc[0] || part.length === 1) {
        out.push([address, rc[1] || ""]);
      } else {
        var mid = Math.floor(part.length / 2);
        stack.push(part.slice(mid));
        stack.push(part.slice(0, mid));
      }
    }
    return out;
  }

  function ProtectedSheetError(sheet) {
    this.name = "ProtectedSheetError";
    this.sheet = sheet;
    this.message = "工作表“" + sheet + "”设有密码保护，无法写入校验标记。请撤销该工作表的保护后再试。";
  }
  ProtectedSheetError.prototype = Object.create(XlperfError.prototype);

  /** Run fn with a password-less protection lifted, and put the same protection back. */
  function unprotected(ws, name, fn) {
    if (!ws.ProtectContents) {
      return fn();
    }
    var p = ws.Protection;
    var flags = PROTECT_FLAGS.map(function (f) {
      return p[f];
    });
    var drawing = ws.ProtectDrawingObjects;
    var scenarios = ws.ProtectScenarios;
    try {
      ws.Unprotect();
    } catch (e) {
      throw new ProtectedSheetError(name);
    }
    try {
      return fn();
    } finally {
      ws.Protect.apply(ws, [undefined, drawing, true, scenarios, false].concat(flags));
    }
  }

  function setFormat(rng, prop, value, font) {
    switch (prop) {
      case "font_name":
        font.Name = value;
        break;
      case "font_size":
        font.Size = value;
        break;
      case "bold":
        font.Bold = !!value;
        break;
      case "font_color":
        font.Color = bgr(String(value));
        break;
      case "underline":
        font.Underline = value ? XL.underlineSingle : XL.underlineNone;
        break;
      case "fill":
        setFill(rng, value);
        break;
      case "border": {
        var borders = rng.Borders;
        borders.LineStyle = XL.continuous;
        borders.Color = bgr(String(value));
        break;
      }
      case "wrap":
        rng.WrapText = !!value;
        break;
      case "halign":
        rng.HorizontalAlignment = XL.halign[value];
        break;
      case "valign":
        rng.VerticalAlignment = XL.valign[value];
        break;
      default:
        break; // a plan from a newer xlperf: leave the property
    }
  }
  var FONT_PROPS = { font_name: 1, font_size: 1, bold: 1, font_color: 1, underline: 1 };

  function pageSetup(app, ws, page) {
    try {
      app.PrintCommunication = false;
    } catch (e) {
      // not every build has it
    }
    try {
      var ps = ws.PageSetup;
      ps.Orientation = page.orientation === "landscape" ? XL.landscape : XL.portrait;
      ps.PaperSize = XL.paper[page.paper] || 9;
      ps.Zoom = false;
      ps.FitToPagesWide = page.fit_width || false;
      ps.FitToPagesTall = page.fit_height || false;
      ps.PrintTitleRows = "$" + page.repeat_rows[0] + ":$" + page.repeat_rows[1];
      ps.CenterFooter = page.footer;
      ps.CenterHorizontally = !!page.center_horizontally;
      ps.LeftMargin = page.margins[0] * 72;
      ps.RightMargin = page.margins[1] * 72;
      ps.TopMargin = page.margins[2] * 72;
      ps.BottomMargin = page.margins[3] * 72;
    } catch (e) {
      // no printer: the sheet is right, only its print setup is not
    } finally {
      try {
        app.PrintCommunication = true;
      } catch (e) {
        // as above
      }
    }
  }

  function addSheet(wb, name, before, after) {
    var sheets = wb.Worksheets;
    var ws;
    if (!after) {
      ws = sheets.Add(before);
    } else {
      try {
        ws = sheets.Add(undefined, after);
      } catch (e) {
        // a build whose Add takes no After: before the sheet that follows, or added and moved last
        var next = get(after, "Index") + 1;
        if (next <= get(sheets, "Count")) {
          ws = sheets.Add(sheets.Item(next));
        } else {
          ws = sheets.Add();
          ws.Move(undefined, after);
        }
      }
    }
    ws.Name = name;
    return ws;
  }

  function writeResultSheet(app, wb, lp, first) {
    var ws = addSheet(wb, lp.sheet, first);
    writeValues(ws, lp.values, "A1");
    lp.widths.forEach(function (w) {
      w[1].forEach(function (a) {
        ws.Range(a).ColumnWidth = w[0];
      });
    });
    lp.heights.forEach(function (h) {
      h[1].forEach(function (a) {
        ws.Range(a).RowHeight = h[0];
      });
    });
    lp.merges.forEach(function (a) {
      ws.Range(a).Merge();
    });
    var fonts = {};
    lp.formats.forEach(function (f) {
      f.addresses.forEach(function (a) {
        var rng = ws.Range(a);
        var font = null;
        if (FONT_PROPS[f.prop]) {
          font = fonts[a] || (fonts[a] = rng.Font);
        }
        setFormat(rng, f.prop, f.value, font);
      });
    });
    if (lp.autofilter) {
      ws.Range(lp.autofilter).AutoFilter();
    }
    pageSetup(app, ws, lp.page);
    return ws;
  }

  function freeze(app, ws, rows) {
    if (rows <= 0) {
      return;
    }
    ws.Activate();
    try {
      var win = app.ActiveWindow;
      win.SplitRow = rows;
      win.FreezePanes = true;
    } catch (e) {
      // no window (automation): the sheet is still right
    }
  }

  function appendedNote(theirs, ours) {
    return theirs ? theirs + "\n" + ours : ours;
  }

  function cutNote(text, marker) {
    var i = text.indexOf(marker);
    if (i < 0) {
      return null;
    }
    return text.slice(0, i).replace(/[\r\n]+$/, "");
  }

  /** A sheet's left footer as PageSetup gives it ("&8标色：…"); null where it cannot be read (WPS, as
   * Excel, cannot without a printer). */
  function readLeftFooter(ws) {
    try {
      var left = get(ws.PageSetup, "LeftFooter");
      return left === null || left === undefined ? "" : String(left);
    } catch (e) {
      return null;
    }
  }

  function writeLeftFooter(ws, name, text) {
    try {
      unprotected(ws, name, function () {
        ws.PageSetup.LeftFooter = text;
      });
      return true;
    } catch (e) {
      return false;
    }
  }

  /** The colours' key out of the left footers applyClear read: the service says what to write back (the
   * core's footer_without_key, as the Excel ribbon applies it) and words what could not be done (a footer
   * not read, or not written); "" when everything was. */
  async function clearFooters(ctx, footers, sheets) {
    var names = Object.keys(footers || {});
    if (!names.length) {
      return "";
    }
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/footers", { footers: footers });
    var failed = {};
    Object.keys(answer.writes).forEach(function (name) {
      if (!writeLeftFooter(sheets[name], name, answer.writes[name])) {
        failed[name] = true;
      }
    });
    if (!Object.keys(failed).length) {
      return answer.message;
    }
    var untouched = {};
    names.forEach(function (name) {
      if (footers[name] === null || failed[name]) {
        untouched[name] = null;
      }
    });
    return (await request(ctx.cfg, ctx.fetch, "/v1/footers", { footers: untouched })).message;
  }

  /** A note's text replaced: Comment.Text(text, 1, true) where the build does so (its text read back to
   * be sure), else the note made again with the text. */
  function setNoteText(rng, note, text) {
    try {
      note.Text(text, 1, true);
      if (String(call(note, "Text")) === text) {
        return;
      }
    } catch (e) {
      // the fallback below
    }
    note.Delete();
    if (text) {
      rng.AddComment(text);
    }
  }

  function addNote(rng, text) {
    try {
      rng.AddComment(text);
      return "note";
    } catch (e) {
      var note = get(rng, "Comment");
      if (!note) {
        throw e;
      }
      setNoteText(rng, note, appendedNote(String(call(note, "Text")), text));
      return "appended";
    }
  }

  function markSheet(ws, name, marks) {
    var record = [];
    unprotected(ws, name, function () {
      originalFills(ws, marks.cells).forEach(function (f) {
        record.push([name, f[0], f[1], ""]);
      });
      marks.fills.forEach(function (f) {
        f[1].forEach(function (a) {
          setFill(ws.Range(a), f[0]);
        });
      });
      marks.notes.forEach(function (n) {
        record.push([name, n[0], "", addNote(ws.Range(n[0]), n[1])]);
      });
    });
    return record;
  }

  function textCell(v) {
    return typeof v === "string" && v ? "'" + v : v;
  }

  /** Perform a plan's live form on the workbook (`sheets`: name -> worksheet, in tab order). */
  function applyLive(app, wb, lp, sheets, status) {
    status = status || function () {};
    var names = Object.keys(sheets);
    var ws = writeResultSheet(app, wb, lp, sheets[names[0]]);
    var record = [];
    lp.marks.forEach(function (marks, i) {
      var sheet = sheets[marks.sheet];
      if (!sheet) {
        return;
      }
      if ((i + 1) % STATUS_EVERY === 0) {
        status("正在标记 " + (i + 1) + "/" + lp.marks.length + "：" + marks.sheet);
      }
      record = record.concat(markSheet(sheet, marks.sheet, marks));
    });
    var rec = addSheet(wb, lp.record_sheet, null, sheets[names[names.length - 1]]);
    writeValues(
      rec,
      [lp.record_header].concat(
        record.map(function (r) {
          return r.map(textCell);
        })
      ),
      "A1"
    );
    rec.Visible = XL.sheetVeryHidden;
    freeze(app, ws, lp.freeze_row);
    return ws;
  }

  function deleteSheet(app, ws) {
    var alerts = app.DisplayAlerts;
    app.DisplayAlerts = false; // no "delete this sheet?" question: ours, made by validation
    try {
      ws.Delete();
    } finally {
      app.DisplayAlerts = alerts;
    }
  }

  /** Undo what a validation added; `sheets` loses the deleted ones. */
  function applyClear(app, cp, sheets, status) {
    status = status || function () {};
    var footers = {}; // sheet -> its left footer as read (null: unreadable), where the plan takes a key out
    cp.sheets.forEach(function (cs) {
      var ws = sheets[cs.sheet];
      if (!ws) {
        return;
      }
      status("正在清除标记：" + cs.sheet);
      unprotected(ws, cs.sheet, function () {
        cs.fills.forEach(function (f) {
          f[1].forEach(function (a) {
            setFill(ws.Range(a), f[0]);
          });
        });
        cs.delete_notes.forEach(function (cell) {
          var note = get(ws.Range(cell), "Comment");
          if (note) {
            note.Delete();
          }
        });
        cs.cut_notes.forEach(function (cell) {
          var rng = ws.Range(cell);
          var note = get(rng, "Comment");
          if (!note) {
            return;
          }
          var cut = cutNote(String(call(note, "Text")), cp.note_marker);
          if (cut !== null) {
            setNoteText(rng, note, cut);
          }
        });
        if (cp.footer_key) {
          footers[cs.sheet] = readLeftFooter(ws); // (written back by clearFooters, as the service says)
        }
      });
    });
    cp.delete_sheets.forEach(function (name) {
      var ws = sheets[name];
      if (!ws) {
        return;
      }
      delete sheets[name];
      if (name === RECORD_SHEET) {
        try {
          ws.Visible = XL.sheetVisible; // a very hidden sheet is made visible before it is deleted
        } catch (e) {
          // deleted anyway below
        }
      }
      deleteSheet(app, ws);
    });
    return footers;
  }

  // --- the install secret: HMAC-SHA256, never sent -------------------------------------------------

  function utf8(text) {
    return new TextEncoder().encode(String(text));
  }

  function hexOf(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  function joined(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  // SHA-256 (FIPS 180-4), for a page without crypto.subtle (WebCrypto is there only in secure contexts;
  // a build may not count its add-in page as one)
  var K256 = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];

  function sha256(bytes) {
    var n = bytes.length;
    var padded = new Uint8Array((((n + 8) >> 6) + 1) << 6);
    padded.set(bytes);
    padded[n] = 0x80;
    var bits = n * 8;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(padded.length - 4, bits >>> 0);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (var off = 0; off < padded.length; off += 64) {
      for (var i = 0; i < 64; i++) {
        if (i < 16) {
          w[i] = view.getUint32(off + i * 4);
        } else {
          var a = w[i - 15];
          var b = w[i - 2];
          var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
          var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
          w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
        }
      }
      var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], H = h[7];
      for (var j = 0; j < 64; j++) {
        var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
        var t1 = (H + S1 + ((E & F) ^ (~E & G)) + K256[j] + w[j]) | 0;
        var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
        var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
        H = G;
        G = F;
        F = E;
        E = (D + t1) | 0;
        D = C;
        C = B;
        B = A;
        A = (t1 + t2) | 0;
      }
      h = [(h[0] + A) | 0, (h[1] + B) | 0, (h[2] + C) | 0, (h[3] + D) | 0,
           (h[4] + E) | 0, (h[5] + F) | 0, (h[6] + G) | 0, (h[7] + H) | 0];
    }
    var out = new Uint8Array(32);
    var ov = new DataView(out.buffer);
    h.forEach(function (x, k) {
      ov.setUint32(k * 4, x >>> 0);
    });
    return out;
  }

  function hmacSha256(key, msg) {
    if (key.length > 64) {
      key = sha256(key);
    }
    var inner = new Uint8Array(64 + msg.length);
    var outer = new Uint8Array(64 + 32);
    for (var i = 0; i < 64; i++) {
      var k = i < key.length ? key[i] : 0;
      inner[i] = k ^ 0x36;
      outer[i] = k ^ 0x5c;
    }
    inner.set(msg, 64);
    outer.set(sha256(inner), 64);
    return sha256(outer);
  }

  var CRYPTO = { pure: false }; // tests set pure to check the fallback against WebCrypto

  function webCrypto() {
    return typeof crypto !== "undefined" && crypto ? crypto : null;
  }

  /** HMAC-SHA256 of `msg` (bytes) keyed with the secret, in lowercase hex: WebCrypto, else the above. */
  async function hmacHex(secret, msg) {
    var key = utf8(secret);
    var c = webCrypto();
    if (!CRYPTO.pure && c && c.subtle) {
      try {
        var k = await c.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
        return hexOf(new Uint8Array(await c.subtle.sign("HMAC", k, msg)));
      } catch (e) {
        // not a secure context after all: the fallback
      }
    }
    return hexOf(hmacSha256(key, msg));
  }

  /** MAC(parts…) as xlperf/wps/auth.py makes it: the parts joined by "\n" (then "\n" and `body`). */
  function mac(secret, parts, body) {
    var msg = utf8(parts.join("\n"));
    if (body !== undefined) {
      msg = joined(joined(msg, utf8("\n")), body);
    }
    return hmacHex(secret, msg);
  }

  function randomNonce() {
    var c = webCrypto();
    if (!c || typeof c.getRandomValues !== "function") {
      throw new XlperfError("WPS 的浏览器组件不提供安全随机数，加载项无法确认本机服务：请升级 WPS 后再试。");
    }
    return hexOf(c.getRandomValues(new Uint8Array(16)));
  }

  // --- the service ---------------------------------------------------------------------------------

  var NOT_RUNNING =
    "未连接到 xlperf 本机服务，“绩效自评”的按钮暂时不能使用。\n\n" +
    "请启动服务：在“命令提示符”（UOS/麒麟：终端）中运行\n    xlperf serve\n" +
    "并保持窗口打开；或运行 xlperf wps install，以后每次登录时自动启动。\n" +
    "仍有问题时运行 xlperf doctor 查看原因。";
  var NO_SETTINGS =
    "加载项缺少服务设置（加载项文件夹中的 xlperf.key）：请运行 xlperf wps install 重新安装加载项，然后重新启动 WPS。";
  var FIX =
    "\n\n请运行 xlperf wps install 重新安装加载项，然后重新启动 WPS；仍有问题时运行 xlperf doctor 查看端口被哪个程序占用。";

  function notOurs(port) {
    return (
      "无法确认端口 " + port + " 上的程序是本机的 xlperf 服务：它不能证明自己知道本机安装时生成的密钥" +
      "（可能是加载项与服务的密钥不一致，也可能是其他程序占用了这个端口）。加载项没有向它发送工作簿的任何内容。" + FIX
    );
  }

  function unsigned(port) {
    return "无法确认端口 " + port + " 上的应答来自本机的 xlperf 服务（应答没有服务的签名），加载项没有采用这个应答。" + FIX;
  }

  function late(seconds) {
    return (
      "xlperf 本机服务没有在 " + seconds + " 秒内完成这次操作，加载项不再等待。服务可能仍在处理（例如汇总的文件很多）：" +
      "请稍后查看工作簿所在的文件夹，或再试一次；仍有问题时运行 xlperf doctor 查看原因。"
    );
  }

  // How long the add-in waits (milliseconds): for the hello (a program that does not answer it in time is
  // not taken for our service), and for an answer (the service's own limit on a request, which its hello
  // tells, and a margin; `answer` when it does not). How much it reads: a hello is ~200 bytes; an answer
  // at most what a request may carry.
  var TIMEOUTS = { hello: 10000, answer: 330000, margin: 15000 };
  var MAX_HELLO = 4096;
  var MAX_ANSWER = 16 * 1024 * 1024;

  /** The body's bytes, at most `limit` (null past it: the rest is not read, nor kept). */
  async function readLimited(response, limit) {
    var declared = response.headers && response.headers.get ? Number(response.headers.get("Content-Length")) : NaN;
    var body = response.body;
    if (declared > limit) {
      if (body && typeof body.cancel === "function") {
        body.cancel().catch(function () {});
      }
      return null;
    }
    if (body && typeof body.getReader === "function") {
      var reader = body.getReader();
      var parts = [];
      var n = 0;
      for (;;) {
        var step = await reader.read();
        if (step.done) {
          break;
        }
        n += step.value.length;
        if (n > limit) {
          reader.cancel().catch(function () {});
          return null;
        }
        parts.push(step.value);
      }
      var out = new Uint8Array(n);
      var at = 0;
      parts.forEach(function (p) {
        out.set(p, at);
        at += p.length;
      });
      return out;
    }
    var all = new Uint8Array(await response.arrayBuffer());
    return all.length > limit ? null : all;
  }

  /** fetch and read the answer (at most `limit` bytes; raw null when unreadable or larger) within `ms`;
   * past it the request is aborted and `timedOut` thrown; a fetch that fails throws `unreachable`. */
  function exchange(fetchImpl, url, init, ms, limit, unreachable, timedOut) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    if (controller) {
      init.signal = controller.signal;
    }
    var timer = null;
    var deadline = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        if (controller) {
          try {
            controller.abort();
          } catch (e) {
            // aborted already
          }
        }
        reject(timedOut);
      }, ms);
    });
    var work = Promise.resolve()
      .then(function () {
        return fetchImpl(url, init);
      })
      .then(
        function (response) {
          return readLimited(response, limit).then(
            function (raw) {
              return { response: response, raw: raw };
            },
            function () {
              return { response: response, raw: null };
            }
          );
        },
        function () {
          throw unreachable;
        }
      );
    return Promise.race([work, deadline]).then(
      function (r) {
        clearTimeout(timer);
        return r;
      },
      function (e) {
        clearTimeout(timer);
        throw e;
      }
    );
  }

  function jsonOf(raw) {
    try {
      return raw ? JSON.parse(new TextDecoder("utf-8").decode(raw)) : null;
    } catch (e) {
      return null;
    }
  }

  /** The add-in's settings {port, secret}: an object, or a function reading them (the key file). */
  function settingsOf(cfg) {
    var s = typeof cfg === "function" ? cfg() : cfg;
    if (!s || !s.port || !s.secret) {
      throw new XlperfError(NO_SETTINGS);
    }
    return s;
  }

  /** The key file's text (")]}'" and a JSON line) as settings; null when it is not one. */
  function parseKey(text) {
    var t = String(text || "").replace(/^\uFEFF/, "");
    if (t.indexOf(")]}'") === 0) {
      t = t.slice(t.indexOf("\n") + 1);
    }
    try {
      var data = JSON.parse(t);
      return data && data.port && data.secret ? { port: data.port, secret: String(data.secret) } : null;
    } catch (e) {
      return null;
    }
  }

  function baseUrl(cfg) {
    return "http://127.0.0.1:" + cfg.port;
  }

  /** The service's hello, once it has proved it knows the secret (else nothing is sent): its nonce and how
   * long to wait for its answers. */
  async function greet(cfg, fetchImpl) {
    var cn = randomNonce();
    var notRunning = new XlperfError(NOT_RUNNING);
    var got = await exchange(fetchImpl, baseUrl(cfg) + "/v1/hello?nonce=" + cn, { method: "GET" }, TIMEOUTS.hello,
      MAX_HELLO, notRunning, notRunning);
    var data = jsonOf(got.raw);
    var sn = data && typeof data.nonce === "string" && /^[0-9a-f]{32}$/.test(data.nonce) ? data.nonce : null;
    if (!sn || typeof data.proof !== "string") {
      throw new XlperfError(notOurs(cfg.port));
    }
    if (data.proof !== (await mac(cfg.secret, ["xlperf-server", cfg.port, cn, sn]))) {
      throw new XlperfError(notOurs(cfg.port));
    }
    var told = Number(data.answer_within); // seconds: the service's limits on reading and working on a request
    return { nonce: sn, wait: told > 0 && told <= 7200 ? told * 1000 + TIMEOUTS.margin : TIMEOUTS.answer };
  }

  /** The service's hello: its nonce, once it has proved it knows the secret (else nothing is sent). */
  async function hello(cfg, fetchImpl) {
    return (await greet(cfg, fetchImpl)).nonce;
  }

  /** One hello and one request; the answer {status, data} once its proof is right. */
  async function requestOnce(cfg, fetchImpl, path, body) {
    var greeting = await greet(cfg, fetchImpl);
    var sn = greeting.nonce;
    var method = body === undefined ? "GET" : "POST";
    var bytes = body === undefined ? new Uint8Array(0) : utf8(JSON.stringify(body));
    var headers = {
      "X-Xlperf-Nonce": sn,
      "X-Xlperf-Auth": await mac(cfg.secret, ["xlperf-client", cfg.port, sn, method, path, bytes.length]),
    };
    var init = { method: method, headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = bytes;
    }
    var got = await exchange(fetchImpl, baseUrl(cfg) + path, init, greeting.wait, MAX_ANSWER,
      new XlperfError(NOT_RUNNING), new XlperfError(late(Math.round(greeting.wait / 1000))));
    var response = got.response;
    var raw = got.raw || new Uint8Array(0);
    var proof = response.headers && response.headers.get ? response.headers.get("X-Xlperf-Proof") : null;
    if (got.raw === null || !proof ||
        proof !== (await mac(cfg.secret, ["xlperf-answer", cfg.port, sn, response.status], raw))) {
      throw new XlperfError(unsigned(cfg.port));
    }
    return { status: response.status, data: jsonOf(raw) };
  }

  /** POST (or GET) JSON to the service, once it has proved itself; its answer, once its proof is right.
   * Sent once more (a new hello) when the service says, signed, that the nonce came too late. A Chinese
   * XlperfError for every way it can fail. */
  async function request(cfg, fetchImpl, path, body) {
    cfg = settingsOf(cfg);
    var answer = await requestOnce(cfg, fetchImpl, path, body);
    if (answer.status === 401 && answer.data && answer.data.retry === true) {
      answer = await requestOnce(cfg, fetchImpl, path, body);
    }
    var data = answer.data;
    if (!data || data.ok !== true) {
      var msg = data && data.error ? data.error : "xlperf 服务返回了错误（HTTP " + answer.status + "）。";
      throw new XlperfError(msg);
    }
    return data;
  }

  /** True when `file` is the summary a consolidation of `folder` writes: 汇总_….xlsx directly in it. */
  function isSummaryOf(folder, file) {
    var norm = function (p) {
      return String(p).replace(/\\/g, "/").replace(/\/+$/, "");
    };
    var f = norm(folder);
    var p = norm(file);
    var cut = p.lastIndexOf("/");
    var dir = p.slice(0, cut);
    var name = p.slice(cut + 1);
    var windows = /^[A-Za-z]:\//.test(f) || /^[A-Za-z]:\//.test(p);
    var same = windows ? dir.toLowerCase() === f.toLowerCase() : dir === f;
    return cut > 0 && same && /^汇总_[^/:*?"<>|]*\.xlsx$/.test(name);
  }

  // --- the buttons ---------------------------------------------------------------------------------

  function makeContext(app, cfg, fetchImpl, ui) {
    return { app: app, cfg: cfg, fetch: fetchImpl, ui: ui };
  }

  function setStatus(ctx, text) {
    try {
      ctx.app.StatusBar = TITLE + "：" + text;
    } catch (e) {
      // a build without a status bar: carry on
    }
  }

  /** Run a button: screen updating off, status bar, every error one Chinese message. */
  async function run(ctx, fn) {
    var app = ctx.app;
    var screen = true;
    try {
      screen = app.ScreenUpdating;
      app.ScreenUpdating = false;
    } catch (e) {
      screen = true;
    }
    try {
      return await fn();
    } catch (e) {
      if (e && e.cancelled) {
        return null;
      }
      var text =
        e instanceof XlperfError || (e && e.name === "XlperfError")
          ? e.message
          : "操作未完成：出现意外错误（" + ((e && e.message) || e) + "）。";
      ctx.ui.alert(text);
      return null;
    } finally {
      try {
        app.ScreenUpdating = screen === false ? false : true;
        app.StatusBar = false;
      } catch (e) {
        // as above
      }
    }
  }

  function activeWorkbook(ctx) {
    var wb = ctx.app.ActiveWorkbook;
    if (!wb) {
      throw new XlperfError("请先打开一个工作簿。");
    }
    return wb;
  }

  function fullName(wb) {
    try {
      return String(get(wb, "FullName") || get(wb, "Name") || "");
    } catch (e) {
      return "";
    }
  }

  function readAll(ctx, list, skip) {
    var out = [];
    list.forEach(function (s, i) {
      if (skip && skip[s.name]) {
        return;
      }
      if (i === 0 || (i + 1) % STATUS_EVERY === 0) {
        setStatus(ctx, "正在读取工作表 " + (i + 1) + "/" + list.length + "：" + s.name);
      }
      out.push(readSheet(s.ws, s.name));
    });
    return out;
  }

  var SKIP = {};
  SKIP[RESULT_SHEET] = 1;
  SKIP[RECORD_SHEET] = 1;

  async function validate(ctx) {
    var wb = activeWorkbook(ctx);
    var list = worksheets(wb);
    var sheets = byName(list);
    var grids = readAll(ctx, list, SKIP);
    var record = sheets[RECORD_SHEET] ? { rows: readSheet(sheets[RECORD_SHEET], RECORD_SHEET).rows } : null;
    setStatus(ctx, "正在校验……");
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/validate", {
      workbook: fullName(wb),
      sheets: grids,
      record: record,
    });
    setStatus(ctx, "正在写入校验结果……");
    var said = "";
    if (answer.clear) {
      said = await clearFooters(ctx, applyClear(ctx.app, answer.clear, sheets), sheets);
    } else if (sheets[RESULT_SHEET]) {
      applyClear(ctx.app, { sheets: [], delete_sheets: [RESULT_SHEET], note_marker: "" }, sheets);
    }
    var lp = answer.plan.live;
    applyLive(ctx.app, wb, lp, sheets, function (t) {
      setStatus(ctx, t);
    });
    ctx.ui.alert(lp.status + "\n详见“" + RESULT_SHEET + "”工作表（点击“位置”可跳转到单元格）。" + (said ? "\n" + said : ""));
    return answer;
  }

  async function clearMarks(ctx) {
    var wb = activeWorkbook(ctx);
    var sheets = byName(worksheets(wb));
    if (!sheets[RECORD_SHEET] && !sheets[RESULT_SHEET]) {
      ctx.ui.alert("没有需要清除的校验标记。");
      return null;
    }
    var rows = sheets[RECORD_SHEET] ? readSheet(sheets[RECORD_SHEET], RECORD_SHEET).rows : [];
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/clear", { record: { rows: rows } });
    var footers = applyClear(ctx.app, answer.clear, sheets, function (t) {
      setStatus(ctx, t);
    });
    var said = await clearFooters(ctx, footers, sheets);
    if (said) {
      ctx.ui.alert("已清除校验标记。\n" + said);
    } else {
      setStatus(ctx, "已清除校验标记");
    }
    return answer;
  }

  async function refreshSummary(ctx) {
    var wb = activeWorkbook(ctx);
    var list = worksheets(wb);
    var sheets = byName(list);
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/summary", {
      workbook: fullName(wb),
      sheets: readAll(ctx, list, SKIP),
    });
    var ws = sheets[answer.sheet];
    if (!ws) {
      var unit = sheets[answer.after];
      ws = unit ? addSheet(wb, answer.sheet, null, unit) : addSheet(wb, answer.sheet, list[0].ws);
      ws.Range("A1").Value2 = answer.title;
    }
    var rows = answer.rows;
    unprotected(ws, answer.sheet, function () {
      var u = usedArea(ws)[1];
      var old = ws.Range("A2:" + colLetter(Math.max(u[3], rows[0].length)) + Math.max(u[2], 2 + rows.length));
      old.UnMerge(); // the template's 合计 row is merged A:C; the new rows may land there
      old.ClearContents();
      writeValues(ws, rows, "A2");
      Object.keys(answer.formats).forEach(function (fmt) {
        addressChunks(answer.formats[fmt].split(",")).forEach(function (a) {
          ws.Range(a).NumberFormat = fmt;
        });
      });
    });
    ws.Activate();
    setStatus(ctx, "已刷新项目汇总（" + answer.projects + " 个项目）");
    return answer;
  }

  function savedPath(ctx, wb, what) {
    var path = fullName(wb);
    if (!/[\\/]/.test(path)) {
      throw new XlperfError("请先保存工作簿，再" + what + "。");
    }
    return path;
  }

  async function writeReport(ctx) {
    var wb = activeWorkbook(ctx);
    var path = savedPath(ctx, wb, "生成自评报告");
    var list = worksheets(wb);
    setStatus(ctx, "正在生成自评报告……");
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/report", {
      workbook: path,
      sheets: readAll(ctx, list, SKIP),
      open: true,
    });
    ctx.ui.alert(
      "已生成自评报告：\n" + answer.path + (answer.opened ? "" : "\n（请在文件夹中双击打开，可用 WPS 文字编辑）")
    );
    return answer;
  }

  async function submissionCopy(ctx) {
    var wb = activeWorkbook(ctx);
    var path = savedPath(ctx, wb, "生成报送版");
    if (!get(wb, "Saved")) {
      if (!ctx.ui.confirm("工作簿有未保存的修改，报送版需要按保存后的内容生成。现在保存吗？")) {
        return null;
      }
      wb.Save();
    }
    setStatus(ctx, "正在生成报送版……");
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/submission", { workbook: path });
    ctx.ui.alert("已生成报送版（" + answer.replaced + " 个公式已换成数值）：\n" + answer.path);
    return answer;
  }

  function askFolder(ctx) {
    try {
      var dialog = ctx.app.FileDialog(XL.folderPicker);
      dialog.Title = "选择存放各单位自评表的文件夹";
      if (dialog.Show() === -1) {
        return String(dialog.SelectedItems.Item(1));
      }
      return null;
    } catch (e) {
      var typed = ctx.ui.prompt("请输入存放各单位自评表的文件夹（完整路径）：", "");
      return typed ? String(typed).trim() : null;
    }
  }

  async function consolidateFolder(ctx) {
    var folder = askFolder(ctx);
    if (!folder) {
      return null;
    }
    setStatus(ctx, "正在汇总……");
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/consolidate", { folder: folder });
    // the service says what was read and which of the folder's 报送名单/批复目标/汇总台账 it used
    var done = typeof answer.message === "string" && answer.message
      ? answer.message
      : "已生成汇总表（" + answer.files + " 个文件）：\n" + answer.path;
    if (!isSummaryOf(folder, answer.path)) {
      // only the output asked for is opened: a summary in the folder chosen
      ctx.ui.alert(done + "\n（它不在您选择的文件夹中，加载项没有打开它。）");
      return answer;
    }
    try {
      ctx.app.Workbooks.Open(answer.path);
    } catch (e) {
      ctx.ui.alert(done + "\n（加载项未能打开它，请在文件夹中双击打开。）");
      return answer;
    }
    ctx.ui.alert(done);
    return answer;
  }

  function readFormulas(ws, rows) {
    var h = rows.length;
    var w = h ? rows[0].length : 0;
    if (!h || !w) {
      return [];
    }
    var text = function (v) {
      return v === null || v === undefined ? "" : String(v);
    };
    try {
      var rows = readValues(get(ws.Range("A1:" + colLetter(w) + h), "Formula"), h, w);
      if (rows.length === h && rows.every(function (r) { return r.length === w; })) {
        return rows.map(function (r) {
          return r.map(text);
        });
      }
    } catch (e) {
      // the fallback below
    }
    // a build that gives no 2-D Formula: one cell at a time (slow, but the same formulas)
    var out = [];
    for (var r = 1; r <= h; r++) {
      var row = [];
      for (var c = 1; c <= w; c++) {
        row.push(text(get(ws.Cells.Item(r, c), "Formula")));
      }
      out.push(row);
    }
    return out;
  }

  async function addProjectSheet(ctx) {
    var wb = activeWorkbook(ctx);
    var list = worksheets(wb);
    var names = list.map(function (s) {
      return s.name;
    });
    var sources = list.filter(function (s) {
      return s.name.indexOf("自评表") === 0;
    });
    var src = sources.length ? sources[sources.length - 1] : null;
    var body = { names: names, source: null };
    if (src) {
      var grid = readSheet(src.ws, src.name);
      body.source = { name: src.name, rows: grid.rows, formulas: readFormulas(src.ws, grid.rows) };
    }
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/project-sheet", body);
    var ws;
    if (src) {
      setStatus(ctx, "正在复制“" + src.name + "”……");
      src.ws.Copy(undefined, src.ws);
      ws = wb.Worksheets.Item(get(src.ws, "Index") + 1);
      ws.Name = answer.name;
      unprotected(ws, answer.name, function () {
        answer.clear.forEach(function (a) {
          ws.Range(a).ClearContents();
        });
      });
    } else {
      var form = answer.form;
      ws = addSheet(wb, answer.name, null, list[list.length - 1].ws);
      writeValues(ws, form.rows, "A1");
      form.merges.forEach(function (a) {
        ws.Range(a).Merge();
      });
      Object.keys(form.widths).forEach(function (col) {
        ws.Range(col + "1").ColumnWidth = form.widths[col];
      });
    }
    ws.Activate();
    setStatus(ctx, "已新增“" + answer.name + "”");
    return answer;
  }

  async function insertIndicatorRow(ctx) {
    var app = ctx.app;
    var sel;
    var ws;
    var row;
    try {
      sel = app.Selection;
      ws = sel.Worksheet;
      row = get(sel, "Row");
      if (!ws || !row) {
        throw new Error("no cell");
      }
    } catch (e) {
      throw new XlperfError("请先在自评表的“四、年度绩效指标完成情况”中选中一行指标，再点击“插入指标行”。");
    }
    var name = String(get(ws, "Name"));
    var grid = readSheet(ws, name);
    var formulas = readFormulas(ws, grid.rows);
    var merged = null;
    try {
      var head = findFirst(grid.rows, "一级指标");
      if (head) {
        var cell = ws.Cells.Item(row, head[1] + 1);
        if (get(cell, "MergeCells")) {
          var area = get(cell, "MergeArea");
          merged = [get(area, "Row"), get(area, "Row") + get(area.Rows, "Count") - 1];
        }
      }
    } catch (e) {
      merged = null;
    }
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/indicator-row", {
      name: name,
      rows: grid.rows,
      formulas: formulas,
      row: row,
      merged: merged,
    });
    var plan = answer.plan;
    unprotected(ws, name, function () {
      var below = plan.source > plan.insert_at ? 1 : 0;
      var height = get(ws.Range("A" + (plan.source - below)), "RowHeight");
      insertRow(ws, plan.insert_at);
      ws.Range(plan.label_range).UnMerge();
      ws.Range(plan.copy_from).Copy(ws.Range(plan.copy_to));
      addressChunks(plan.clear).forEach(function (a) {
        ws.Range(a).ClearContents();
      });
      writeValues(
        ws,
        plan.label_values.map(function (v) {
          return [v];
        }),
        plan.label_range.split(":")[0]
      );
      if (plan.merge) {
        ws.Range(plan.label_range).Merge();
      }
      if (height) {
        ws.Range("A" + plan.insert_at).RowHeight = height;
      }
    });
    ws.Range(plan.select).Select();
    setStatus(ctx, "已在“" + name + "”第 " + plan.insert_at + " 行插入一行指标");
    return answer;
  }

  function insertRow(ws, n) {
    try {
      ws.Rows.Item(n).Insert(XL.shiftDown, XL.formatFromLeftOrAbove);
    } catch (e) {
      // a build without Rows.Item(n).Insert: the same row through a cell of it
      ws.Range("A" + n).EntireRow.Insert(XL.shiftDown, XL.formatFromLeftOrAbove);
    }
  }

  function findFirst(rows, label) {
    for (var r = 0; r < rows.length; r++) {
      for (var c = 0; c < rows[r].length; c++) {
        var v = rows[r][c];
        if (typeof v === "string" && v.replace(/\s+/g, "") === label) {
          return [r, c];
        }
      }
    }
    return null;
  }

  var DIAGNOSIS_COLORS = { ok: "C6EFCE", warn: "FFEB9C", error: "FFC7CE" };

  async function diagnose(ctx) {
    setStatus(ctx, "正在检查……");
    var answer = await request(ctx.cfg, ctx.fetch, "/v1/doctor", {});
    var wb = ctx.app.Workbooks.Add();
    var ws = wb.Worksheets.Item(1);
    try {
      ws.Name = "诊断结果";
    } catch (e) {
      // a name taken: keep the default
    }
    var rows = [["状态", "检查项", "结果", "处理办法"]].concat(
      answer.checks.map(function (c) {
        return [c.status_zh, c.name, c.detail, c.status === "ok" ? "" : c.advice];
      })
    );
    writeValues(ws, rows.map(function (r) {
      return r.map(textCell);
    }), "A1");
    [8, 18, 70, 70].forEach(function (w, i) {
      ws.Range(colLetter(i + 1) + "1").ColumnWidth = w;
    });
    Object.keys(DIAGNOSIS_COLORS).forEach(function (status) {
      var cells = [];
      answer.checks.forEach(function (c, i) {
        if (c.status === status) {
          cells.push("A" + (i + 2));
        }
      });
      addressChunks(cells).forEach(function (a) {
        setFill(ws.Range(a), DIAGNOSIS_COLORS[status]);
      });
    });
    try {
      ws.Range("C1:D" + rows.length).WrapText = true;
      ws.Range("A1:D1").Font.Bold = true;
    } catch (e) {
      // cosmetics
    }
    ctx.ui.alert("诊断完成。" + answer.summary + "\n详见“诊断结果”表中每一项的结果和处理办法。");
    return answer;
  }

  var HELP =
    "xlperf 项目支出绩效自评（WPS 表格）\n\n" +
    "功能区按钮：\n" +
    "· 校验本工作簿：检查各自评表，生成“校验结果”表，并用颜色标出有问题的单元格（红：错误，橙：警告，蓝：提示）。\n" +
    "· 清除校验标记：删除“校验结果”表，恢复单元格原来的颜色，删除校验添加的批注；在校验副本上还去掉页脚左侧的标色说明。\n" +
    "· 新增项目表：增加一张空白自评表。\n" +
    "· 插入指标行：在选中行所在的指标表中插入一行。\n" +
    "· 刷新项目汇总：按各自评表重写“项目汇总”表。\n" +
    "· 生成报送版：另存一份把 XP_ 函数换成数值的副本（用 Excel 加载项填写的工作簿）。\n" +
    "· 生成自评报告：写出绩效自评工作报告（Word）。\n" +
    "· 汇总多个单位：汇总一个文件夹中各单位的自评表。\n" +
    "· 诊断：检查本机的 xlperf 服务和加载项。\n\n" +
    "这些按钮由本机的 xlperf 服务完成计算（xlperf wps install 设置为登录时自动启动；也可运行 xlperf serve）。\n" +
    "XP_ 单元格函数只在 Excel 中可用；WPS 中请使用默认的原生公式模板。\n\n" +
    "说明：本工具只添加颜色、批注和“校验结果”表，不会修改您填写的内容。";

  function help(ctx) {
    ctx.ui.alert(HELP);
    return Promise.resolve(null);
  }

  /** On load: the service answers and proves itself (a hello; nothing else is sent). */
  async function healthCheck(ctx) {
    try {
      return await hello(settingsOf(ctx.cfg), ctx.fetch);
    } catch (e) {
      ctx.ui.alert(e && e.name === "XlperfError" ? e.message : "操作未完成：出现意外错误（" + ((e && e.message) || e) + "）。");
      return null;
    }
  }

  var ACTIONS = {
    XlperfValidate: validate,
    XlperfClearMarks: clearMarks,
    XlperfAddProjectSheet: addProjectSheet,
    XlperfInsertIndicatorRow: insertIndicatorRow,
    XlperfRefreshSummary: refreshSummary,
    XlperfSubmissionCopy: submissionCopy,
    XlperfWriteReport: writeReport,
    XlperfConsolidate: consolidateFolder,
    XlperfDiagnose: diagnose,
    XlperfHelp: help,
  };

  /** The ribbon's callbacks, bound to an application, settings ({port, secret}, or a function reading
   * them), fetch and dialogs. */
  function ribbon(getApp, cfg, fetchImpl, ui) {
    var busy = false;
    var out = {};
    Object.keys(ACTIONS).forEach(function (name) {
      out[name] = function () {
        if (busy) {
          ui.alert("上一个操作还没有完成，请稍候。");
          return Promise.resolve(null);
        }
        busy = true;
        var done;
        try {
          var app = getApp();
          if (!app) {
            throw new XlperfError("找不到 WPS 表格的对象模型：“绩效自评”加载项只能在 WPS 表格中使用。");
          }
          var ctx = makeContext(app, cfg, fetchImpl, ui);
          done = run(ctx, function () {
            return ACTIONS[name](ctx);
          });
        } catch (e) {
          ui.alert(e && e.name === "XlperfError" ? e.message : "操作未完成：出现意外错误（" + ((e && e.message) || e) + "）。");
          done = Promise.resolve(null);
        }
        return done.then(
          function (r) {
            busy = false;
            return r;
          },
          function (e) {
            busy = false;
            throw e;
          }
        );
      };
    });
    out.healthCheck = function () {
      return healthCheck(makeContext(null, cfg, fetchImpl, ui));
    };
    return out;
  }

  return {
    TITLE: TITLE,
    RESULT_SHEET: RESULT_SHEET,
    RECORD_SHEET: RECORD_SHEET,
    SUMMARY_SHEET: SUMMARY_SHEET,
    ACTIONS: Object.keys(ACTIONS),
    XL: XL,
    XlperfError: XlperfError,
    NOT_RUNNING: NOT_RUNNING,
    TIMEOUTS: TIMEOUTS,
    CRYPTO: CRYPTO,
    call: call,
    get: get,
    sha256: sha256,
    hmacHex: hmacHex,
    mac: mac,
    parseKey: parseKey,
    isSummaryOf: isSummaryOf,
    hello: hello,
    colLetter: colLetter,
    parseCell: parseCell,
    parseArea: parseArea,
    bgr: bgr,
    rgbHex: rgbHex,
    hexRgb: hexRgb,
    addressChunks: addressChunks,
    cellValue: cellValue,
    readValues: readValues,
    readSheet: readSheet,
    worksheets: worksheets,
    byName: byName,
    writeValues: writeValues,
    originalFills: originalFills,
    unprotected: unprotected,
    applyLive: applyLive,
    applyClear: applyClear,
    cutNote: cutNote,
    appendedNote: appendedNote,
    request: request,
    ribbon: ribbon,
    validate: validate,
  };
});
