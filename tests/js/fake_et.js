/*
 * A fake of the ET (WPS 表格) object model, as much of it as wps/js/xlperf.js uses, recording every call.
 *
 * It behaves as the builds the add-in must survive do (tests/fake_xlwings.py is its Excel twin):
 * - Range.Value2 of several cells is a JS 2-D array, or (valueShape "item") an object read with
 *   Item(r, c); one cell gives a scalar; error cells come back as CVErr numbers (errorCodes).
 * - bulkWrites false: a 2-D array written to Range.Value2 throws, as on the Mac build.
 * - Parameterised properties are methods (Range.Address(), Comment.Text()); with methodProps, so are
 *   Count, UsedRange, Value2 and Name when read (builds that expose them so); colours are BGR integers;
 *   a range of mixed fills answers null for Interior.ColorIndex/Color; no fill is ColorIndex -4142.
 * - A protected sheet refuses value writes to locked cells, notes (drawing objects) and, unless allowed,
 *   formats; a sheet protected with a password cannot be unprotected without it.
 * - A string written through Value2 starting with "'" is stored as the rest, as text; one starting with
 *   "=" is a formula.
 * - PageSetup's footer parts are kept as the strings written (noPrinter: reading PageSetup throws, as
 *   without a printer; footerRefused: the sheets whose footer parts cannot be written).
 * - The calls no documentation confirms can be refused, as a build might (each option false): the
 *   overwrite of Comment.Text(text, 1, true) (noteTextReplaces: the text is appended instead), the After
 *   of Worksheets.Add (addAfter: it throws), Rows.Item(n) (rowsItem: it throws), a 2-D Range.Formula
 *   (formulaArray: null for more than one cell).
 *
 * The workbook comes from JSON made by tests/wps_support.py (export_book) and goes back as JSON
 * (dump()) in the same form as tests/wps_support.py's snapshot of an openpyxl workbook, so a test can
 * compare what the WPS add-in did with what the Excel ribbon did.
 *
 * Loads under Node (module.exports) and in a browser page (window.FakeET).
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.FakeET = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var RESULT_SHEET = "校验结果";
  var CVERR = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
  };
  var H_ALIGN = { "-4131": "left", "-4108": "center", "-4152": "right", 1: "general" };
  var V_ALIGN = { "-4160": "top", "-4108": "center", "-4107": "bottom" };
  var FLAG_KEYS = {
    AllowFormattingCells: "formatCells",
    AllowFormattingColumns: "formatColumns",
    AllowFormattingRows: "formatRows",
    AllowInsertingColumns: "insertColumns",
    AllowInsertingRows: "insertRows",
    AllowInsertingHyperlinks: "insertHyperlinks",
    AllowDeletingColumns: "deleteColumns",
    AllowDeletingRows: "deleteRows",
    AllowSorting: "sort",
    AllowFiltering: "autoFilter",
    AllowUsingPivotTables: "pivotTables",
  };
  var FLAG_ORDER = Object.keys(FLAG_KEYS);

  function FakeError(message) {
    var e = new Error(message);
    e.name = "FakeETError";
    return e;
  }

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
    var m = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(ref.trim());
    if (!m) {
      throw FakeError("bad reference " + ref);
    }
    var col = 0;
    for (var i = 0; i < m[1].length; i++) {
      col = col * 26 + m[1].toUpperCase().charCodeAt(i) - 64;
    }
    return [parseInt(m[2], 10), col];
  }

  function parseAreas(address) {
    return String(address)
      .split(",")
      .map(function (part) {
        var p = part.trim().split(":");
        var a = parseCell(p[0]);
        var b = p.length > 1 ? parseCell(p[1]) : a;
        return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
      });
  }

  function bgrHex(n) {
    var h = function (x) {
      var s = (x & 255).toString(16).toUpperCase();
      return s.length < 2 ? "0" + s : s;
    };
    return h(n) + h(n >> 8) + h(n >> 16);
  }

  function hexBgr(rgb) {
    return parseInt(rgb.substr(0, 2), 16) + parseInt(rgb.substr(2, 2), 16) * 256 + parseInt(rgb.substr(4, 2), 16) * 65536;
  }

  function newCell() {
    return {
      value: null,
      formula: null,
      quote: false,
      fill: null,
      note: null,
      locked: true,
      font: { name: "Calibri", size: 11, bold: false, color: "000000", underline: false },
      align: { h: "general", v: "bottom", wrap: false },
      border: null,
      numberFormat: "General",
    };
  }

  // --- the model -------------------------------------------------------------------------------------

  function Sheet(book, data) {
    this.book = book;
    this.name = data.name;
    this.state = data.state || "visible";
    this.cells = {};
    this.widths = {};
    this.heights = {};
    this.merges = [];
    this.freeze = null;
    this.filter = null;
    this.page = null;
    // the footer's parts as PageSetup's LeftFooter/CenterFooter/RightFooter give them ("&8标色：…")
    this.footer = Object.assign({}, data.footer || {});
    this.protection = Object.assign({ sheet: false, password: false, objects: false, scenarios: false }, data.protection || {});
    var self = this;
    Object.keys(data.cells || {}).forEach(function (ref) {
      var d = data.cells[ref];
      var rc = parseCell(ref);
      var c = self.cell(rc[0], rc[1]);
      c.value = d.v === undefined ? null : d.v;
      c.formula = d.f || null;
      c.fill = d.fill || null;
      c.note = d.note === undefined ? null : d.note;
      c.locked = d.locked !== false;
    });
    (data.merges || []).forEach(function (a) {
      self.merges.push(parseAreas(a)[0]);
    });
    Object.keys(data.widths || {}).forEach(function (col) {
      self.widths[col] = data.widths[col];
    });
  }

  Sheet.prototype.key = function (r, c) {
    return r + "," + c;
  };
  Sheet.prototype.cell = function (r, c) {
    var k = this.key(r, c);
    if (!this.cells[k]) {
      this.cells[k] = newCell();
    }
    return this.cells[k];
  };
  Sheet.prototype.peek = function (r, c) {
    return this.cells[this.key(r, c)] || null;
  };
  Sheet.prototype.extent = function () {
    var r2 = 1;
    var c2 = 1;
    var self = this;
    Object.keys(this.cells).forEach(function (k) {
      var c = self.cells[k];
      var used = c.value !== null || c.formula !== null || c.fill !== null || c.note !== null;
      if (!used) {
        return;
      }
      var rc = k.split(",").map(Number);
      r2 = Math.max(r2, rc[0]);
      c2 = Math.max(c2, rc[1]);
    });
    this.merges.forEach(function (m) {
      r2 = Math.max(r2, m[2]);
      c2 = Math.max(c2, m[3]);
    });
    return [1, 1, r2, c2];
  };
  Sheet.prototype.mergeOf = function (r, c) {
    for (var i = 0; i < this.merges.length; i++) {
      var m = this.merges[i];
      if (r >= m[0] && r <= m[2] && c >= m[1] && c <= m[3]) {
        return m;
      }
    }
    return null;
  };
  Sheet.prototype.isCovered = function (r, c) {
    // a merged cell other than its area's top-left: Excel keeps only the top-left's content
    var m = this.mergeOf(r, c);
    return !!m && (m[0] !== r || m[1] !== c);
  };

  function Book(data, options) {
    this.options = Object.assign({ valueShape: "array", bulkWrites: true, errorCodes: true, noteTextReplaces: true,
      addAfter: true, rowsItem: true, formulaArray: true }, options || {});
    this.calls = [];
    this.fullName = data.fullName || "工作簿1";
    this.saved = true;
    var self = this;
    this.sheets = (data.sheets || []).map(function (s) {
      return new Sheet(self, s);
    });
    this.active = this.sheets.length ? this.sheets[0] : null;
    this.screenUpdating = true;
    this.statusBar = false;
    this.statusHistory = [];
    this.displayAlerts = true;
    this.printCommunication = true;
    this.opened = [];
    this.application = makeApplication(this);
  }

  Book.prototype.log = function (kind) {
    this.calls.push(kind);
  };
  Book.prototype.count = function (prefix) {
    return this.calls.filter(function (k) {
      return !prefix || k.indexOf(prefix) === 0;
    }).length;
  };

  /** The workbook as tests/wps_support.py's snapshot() gives an openpyxl workbook. */
  Book.prototype.dump = function () {
    var out = { order: [], active: this.active ? this.active.name : null, sheets: {} };
    this.sheets.forEach(function (s) {
      out.order.push(s.name);
      var result = s.name === RESULT_SHEET;
      var cells = {};
      Object.keys(s.cells).forEach(function (k) {
        var rc = k.split(",").map(Number);
        if (s.isCovered(rc[0], rc[1])) {
          return;
        }
        var c = s.cells[k];
        var e = {};
        var v = c.formula !== null ? c.formula : c.value;
        if (v !== null && v !== undefined) {
          e.v = v;
        }
        if (c.fill) {
          e.fill = c.fill;
        }
        if (c.note !== null) {
          e.note = c.note;
        }
        if (result) {
          var f = c.font;
          if (f.name !== "Calibri" || f.size !== 11 || f.bold || f.color !== "000000" || f.underline) {
            e.font = [f.name, f.size, f.bold, f.color, f.underline];
          }
          var a = c.align;
          if (a.h !== "general" || a.v !== "bottom" || a.wrap) {
            e.align = [a.h, a.v, a.wrap];
          }
          if (c.border) {
            e.border = c.border;
          }
        }
        if (Object.keys(e).length) {
          cells[colLetter(rc[1]) + rc[0]] = e;
        }
      });
      var entry = { state: s.state, protected: !!s.protection.sheet, cells: cells };
      if (result) {
        entry.widths = s.widths;
        entry.heights = s.heights;
        entry.merges = s.merges
          .map(function (m) {
            return colLetter(m[1]) + m[0] + ":" + colLetter(m[3]) + m[2];
          })
          .sort();
        entry.freeze = s.freeze;
        entry.filter = s.filter;
        entry.page = s.page;
      } else {
        var footer = {};
        ["L", "C", "R"].forEach(function (k) {
          if (s.footer[k]) {
            footer[k] = s.footer[k];
          }
        });
        if (Object.keys(footer).length) {
          entry.footer = footer;
        }
      }
      out.sheets[s.name] = entry;
    });
    return out;
  };

  // --- the object model -----------------------------------------------------------------------------

  // what a build with methodProps exposes as methods for reading (sheets.Count(), ws.UsedRange(),
  // range.Value2(), ws.Name()); writing them stays an assignment
  var METHOD_PROPS = { Count: 1, UsedRange: 1, Value2: 1, Name: 1 };

  function prop(obj, name, book, get, set) {
    Object.defineProperty(obj, name, {
      enumerable: true,
      get: function () {
        if (book.options.methodProps && METHOD_PROPS[name]) {
          return function () {
            book.log(obj.__kind + "." + name + "()");
            return get();
          };
        }
        book.log(obj.__kind + "." + name);
        return get();
      },
      set: function (v) {
        book.log(obj.__kind + "." + name + "=");
        if (!set) {
          throw FakeError(name + " is read-only");
        }
        set(v);
      },
    });
  }

  function method(obj, name, book, fn) {
    obj[name] = function () {
      book.log(obj.__kind + "." + name + "()");
      return fn.apply(null, arguments);
    };
  }

  function checkProtected(sheet, what, cells) {
    var p = sheet.protection;
    if (!p.sheet) {
      return;
    }
    if (what === "format" && p.formatCells === false) {
      return;
    }
    if (what === "value" && !cells.some(function (c) { return c.locked; })) {
      return;
    }
    throw FakeError("The cell or chart you're trying to change is on a protected sheet (" + what + ").");
  }

  function writeCell(c, v) {
    if (typeof v === "string" && v.charAt(0) === "'") {
      c.value = v.slice(1);
      c.formula = null;
      c.quote = true;
    } else if (typeof v === "string" && v.charAt(0) === "=") {
      c.formula = v;
      c.value = null;
    } else if (v === "" || v === null || v === undefined) {
      c.value = null;
      c.formula = null;
    } else {
      c.value = v;
      c.formula = null;
    }
  }

  function makeRange(book, sheet, areas) {
    var r = { __kind: "range" };
    function cells(includeCovered) {
      var out = [];
      areas.forEach(function (a) {
        for (var i = a[0]; i <= a[2]; i++) {
          for (var j = a[1]; j <= a[3]; j++) {
            if (includeCovered || !sheet.isCovered(i, j)) {
              out.push(sheet.cell(i, j));
            }
          }
        }
      });
      return out;
    }
    var a0 = areas[0];
    var nrows = a0[2] - a0[0] + 1;
    var ncols = a0[3] - a0[1] + 1;
    function readOne(i, j) {
      var c = sheet.peek(i, j);
      if (!c) {
        return undefined;
      }
      var v = c.value;
      if (book.options.errorCodes && typeof v === "string" && CVERR[v] !== undefined) {
        return CVERR[v];
      }
      return v === null ? undefined : v;
    }
    method(r, "Address", book, function () {
      return areas
        .map(function (a) {
          var s = "$" + colLetter(a[1]) + "$" + a[0];
          return a[0] === a[2] && a[1] === a[3] ? s : s + ":$" + colLetter(a[3]) + "$" + a[2];
        })
        .join(",");
    });
    prop(r, "Row", book, function () {
      return a0[0];
    });
    prop(r, "Column", book, function () {
      return a0[1];
    });
    r.Rows = { __kind: "rows" };
    prop(r.Rows, "Count", book, function () {
      return nrows;
    });
    r.Columns = { __kind: "columns" };
    prop(r.Columns, "Count", book, function () {
      return ncols;
    });
    prop(r, "Worksheet", book, function () {
      return makeSheet(book, sheet);
    });
    prop(
      r,
      "Value2",
      book,
      function () {
        if (nrows === 1 && ncols === 1) {
          return readOne(a0[0], a0[1]);
        }
        var rows = [];
        for (var i = a0[0]; i <= a0[2]; i++) {
          var row = [];
          for (var j = a0[1]; j <= a0[3]; j++) {
            row.push(readOne(i, j));
          }
          rows.push(row);
        }
        if (book.options.valueShape === "item") {
          return {
            Item: function (i, j) {
              return rows[i - 1][j - 1];
            },
          };
        }
        return rows;
      },
      function (v) {
        if (Array.isArray(v)) {
          if (!book.options.bulkWrites) {
            throw FakeError("Range.Value2: an array cannot be written in this build");
          }
          var target = [];
          v.forEach(function (row, i) {
            row.forEach(function (x, j) {
              target.push([a0[0] + i, a0[1] + j, x]);
            });
          });
          checkProtected(sheet, "value", target.map(function (t) { return sheet.cell(t[0], t[1]); }));
          target.forEach(function (t) {
            if (!sheet.isCovered(t[0], t[1])) {
              writeCell(sheet.cell(t[0], t[1]), t[2]);
            }
          });
        } else {
          var all = cells(false);
          checkProtected(sheet, "value", all);
          all.forEach(function (c) {
            writeCell(c, v);
          });
        }
      }
    );
    prop(r, "Formula", book, function () {
      var rows = [];
      for (var i = a0[0]; i <= a0[2]; i++) {
        var row = [];
        for (var j = a0[1]; j <= a0[3]; j++) {
          var c = sheet.peek(i, j);
          row.push(!c ? "" : c.formula !== null ? c.formula : c.value === null ? "" : String(c.value));
        }
        rows.push(row);
      }
      if (nrows === 1 && ncols === 1) {
        return rows[0][0];
      }
      return book.options.formulaArray ? rows : null;
    });
    var interior = { __kind: "interior" };
    prop(
      interior,
      "ColorIndex",
      book,
      function () {
        var fills = {};
        cells(false).forEach(function (c) {
          fills[String(c.fill)] = 1;
        });
        var keys = Object.keys(fills);
        if (keys.length > 1) {
          return null;
        }
        return keys[0] === "null" ? -4142 : 1;
      },
      function (v) {
        checkProtected(sheet, "format", []);
        if (v === -4142) {
          cells(false).forEach(function (c) {
            c.fill = null;
          });
        }
      }
    );
    prop(
      interior,
      "Color",
      book,
      function () {
        var fills = {};
        cells(false).forEach(function (c) {
          fills[String(c.fill)] = 1;
        });
        var keys = Object.keys(fills);
        if (keys.length > 1) {
          return null;
        }
        return keys[0] === "null" ? 16777215 : hexBgr(keys[0]);
      },
      function (v) {
        checkProtected(sheet, "format", []);
        cells(false).forEach(function (c) {
          c.fill = bgrHex(v);
        });
      }
    );
    prop(r, "Interior", book, function () {
      return interior;
    });
    var font = { __kind: "font" };
    [
      ["Name", "name"],
      ["Size", "size"],
      ["Bold", "bold"],
      ["Color", "color"],
      ["Underline", "underline"],
    ].forEach(function (p) {
      prop(
        font,
        p[0],
        book,
        function () {
          return cells(false)[0].font[p[1]];
        },
        function (v) {
          checkProtected(sheet, "format", []);
          var value = p[1] === "color" ? bgrHex(v) : p[1] === "underline" ? v === 2 : p[1] === "bold" ? !!v : v;
          cells(false).forEach(function (c) {
            c.font[p[1]] = value;
          });
        }
      );
    });
    prop(r, "Font", book, function () {
      return font;
    });
    var borders = { __kind: "borders" };
    var borderStyle = null;
    prop(
      borders,
      "LineStyle",
      book,
      function () {
        return borderStyle;
      },
      function (v) {
        checkProtected(sheet, "format", []);
        borderStyle = v;
        cells(false).forEach(function (c) {
          c.border = v === 1 ? c.border || "000000" : null;
        });
      }
    );
    prop(
      borders,
      "Color",
      book,
      function () {
        return 0;
      },
      function (v) {
        checkProtected(sheet, "format", []);
        cells(false).forEach(function (c) {
          if (c.border) {
            c.border = bgrHex(v);
          }
        });
      }
    );
    prop(r, "Borders", book, function () {
      return borders;
    });
    function alignSetter(key, map) {
      return function (v) {
        checkProtected(sheet, "format", []);
        cells(false).forEach(function (c) {
          c.align[key] = map ? map[String(v)] : !!v;
        });
      };
    }
    prop(r, "HorizontalAlignment", book, function () {
      return 1;
    }, alignSetter("h", H_ALIGN));
    prop(r, "VerticalAlignment", book, function () {
      return -4107;
    }, alignSetter("v", V_ALIGN));
    prop(r, "WrapText", book, function () {
      return cells(false)[0].align.wrap;
    }, alignSetter("wrap", null));
    prop(r, "NumberFormat", book, function () {
      return cells(false)[0].numberFormat;
    }, function (v) {
      checkProtected(sheet, "format", []);
      cells(false).forEach(function (c) {
        c.numberFormat = v;
      });
    });
    prop(r, "ColumnWidth", book, function () {
      return sheet.widths[colLetter(a0[1])];
    }, function (v) {
      areas.forEach(function (a) {
        for (var j = a[1]; j <= a[3]; j++) {
          sheet.widths[colLetter(j)] = v;
        }
      });
    });
    prop(r, "RowHeight", book, function () {
      return sheet.heights[a0[0]] || 13.5;
    }, function (v) {
      areas.forEach(function (a) {
        for (var i = a[0]; i <= a[2]; i++) {
          sheet.heights[i] = v;
        }
      });
    });
    method(r, "Merge", book, function () {
      var a = a0;
      sheet.merges = sheet.merges.filter(function (m) {
        return m[2] < a[0] || m[0] > a[2] || m[3] < a[1] || m[1] > a[3];
      });
      if (a[0] !== a[2] || a[1] !== a[3]) {
        sheet.merges.push(a.slice());
        for (var i = a[0]; i <= a[2]; i++) {
          for (var j = a[1]; j <= a[3]; j++) {
            if (i !== a[0] || j !== a[1]) {
              var c = sheet.peek(i, j);
              if (c) {
                c.value = null;
                c.formula = null;
              }
            }
          }
        }
      }
    });
    method(r, "UnMerge", book, function () {
      var a = a0;
      sheet.merges = sheet.merges.filter(function (m) {
        return m[2] < a[0] || m[0] > a[2] || m[3] < a[1] || m[1] > a[3];
      });
    });
    prop(r, "MergeCells", book, function () {
      return !!sheet.mergeOf(a0[0], a0[1]);
    });
    prop(r, "EntireRow", book, function () {
      var er = { __kind: "entirerow" };
      method(er, "Insert", book, function () {
        insertRow(sheet, a0[0]);
      });
      return er;
    });
    prop(r, "MergeArea", book, function () {
      var m = sheet.mergeOf(a0[0], a0[1]);
      return makeRange(book, sheet, [m ? m.slice() : a0.slice()]);
    });
    method(r, "AddComment", book, function (text) {
      var p = sheet.protection;
      if (p.sheet && p.objects) {
        throw FakeError("Cannot add a note on a protected sheet.");
      }
      var c = sheet.cell(a0[0], a0[1]);
      if (c.note !== null) {
        throw FakeError("This cell already has a comment");
      }
      c.note = String(text);
      return makeComment(book, sheet, c);
    });
    prop(r, "Comment", book, function () {
      var c = sheet.peek(a0[0], a0[1]);
      return c && c.note !== null ? makeComment(book, sheet, c) : null;
    });
    method(r, "ClearContents", book, function () {
      var all = cells(false);
      checkProtected(sheet, "value", all);
      all.forEach(function (c) {
        c.value = null;
        c.formula = null;
      });
    });
    method(r, "AutoFilter", book, function () {
      sheet.filter = sheet.filter ? null : areas.map(function (a) {
        return colLetter(a[1]) + a[0] + ":" + colLetter(a[3]) + a[2];
      })[0];
    });
    method(r, "Select", book, function () {
      book.selection = r;
    });
    method(r, "Copy", book, function (dest) {
      var d = parseCell(dest.Address().split(":")[0].replace(/\$/g, ""));
      for (var i = a0[0]; i <= a0[2]; i++) {
        for (var j = a0[1]; j <= a0[3]; j++) {
          var src = sheet.peek(i, j);
          var t = sheet.cell(d[0] + i - a0[0], d[1] + j - a0[1]);
          if (src) {
            t.value = src.value;
            t.formula = src.formula;
            t.fill = src.fill;
            t.locked = src.locked;
          }
        }
      }
    });
    return r;
  }

  function makeComment(book, sheet, c) {
    var n = { __kind: "comment" };
    method(n, "Text", book, function (text, start, overwrite) {
      if (text === undefined) {
        return c.note;
      }
      c.note = overwrite && book.options.noteTextReplaces ? String(text) : c.note + String(text);
      return c.note;
    });
    method(n, "Delete", book, function () {
      c.note = null;
    });
    return n;
  }

  function makePageSetup(book, sheet) {
    var ps = { __kind: "pagesetup" };
    function page() {
      if (!sheet.page) {
        sheet.page = {};
      }
      return sheet.page;
    }
    var map = {
      Orientation: function (v) {
        page().orientation = v === 2 ? "landscape" : "portrait";
      },
      PaperSize: function (v) {
        page().paper = v;
      },
      Zoom: function (v) {
        page().fitToPage = v === false;
      },
      FitToPagesWide: function (v) {
        page().fitWidth = v === false ? 0 : v;
      },
      FitToPagesTall: function (v) {
        page().fitHeight = v === false ? 0 : v;
      },
      PrintTitleRows: function (v) {
        page().titles = v;
      },
      CenterFooter: function (v) {
        page().footer = v;
      },
      CenterHorizontally: function (v) {
        page().hcenter = !!v;
      },
    };
    ["Left", "Right", "Top", "Bottom"].forEach(function (side, i) {
      map[side + "Margin"] = function (v) {
        var p = page();
        p.margins = p.margins || [null, null, null, null];
        p.margins[i] = Math.round((v / 72) * 10000) / 10000;
      };
    });
    var parts = { LeftFooter: "L", CenterFooter: "C", RightFooter: "R" };
    ["LeftFooter", "RightFooter"].forEach(function (k) {
      map[k] = function (v) {
        if ((book.options.footerRefused || []).indexOf(sheet.name) >= 0) {
          throw FakeError("Unable to set the " + k + " property of the PageSetup class");
        }
        sheet.footer[parts[k]] = String(v);
      };
    });
    Object.keys(map).forEach(function (k) {
      prop(ps, k, book, function () {
        return parts[k] ? sheet.footer[parts[k]] || "" : undefined;
      }, map[k]);
    });
    return ps;
  }

  function insertRow(sheet, row) {
    var moved = {};
    Object.keys(sheet.cells).forEach(function (k) {
      var rc = k.split(",").map(Number);
      var nk = rc[0] >= row ? sheet.key(rc[0] + 1, rc[1]) : k;
      moved[nk] = sheet.cells[k];
    });
    sheet.cells = moved;
    sheet.merges = sheet.merges.map(function (m) {
      return [m[0] >= row ? m[0] + 1 : m[0], m[1], m[2] >= row ? m[2] + 1 : m[2], m[3]];
    });
  }

  function makeSheet(book, sheet) {
    var ws = { __kind: "sheet", __sheet: sheet };
    prop(ws, "Name", book, function () {
      return sheet.name;
    }, function (v) {
      if (book.sheets.some(function (s) { return s !== sheet && s.name.toLowerCase() === String(v).toLowerCase(); })) {
        throw FakeError("A sheet named " + v + " exists");
      }
      sheet.name = String(v);
    });
    prop(ws, "Index", book, function () {
      return book.sheets.indexOf(sheet) + 1;
    });
    prop(ws, "Visible", book, function () {
      return { visible: -1, hidden: 0, veryhidden: 2 }[sheet.state];
    }, function (v) {
      sheet.state = v === 2 ? "veryhidden" : v === 0 || v === false ? "hidden" : "visible";
    });
    prop(ws, "UsedRange", book, function () {
      return makeRange(book, sheet, [sheet.extent()]);
    });
    method(ws, "Range", book, function (a, b) {
      if (b !== undefined) {
        var p = parseAreas(a)[0];
        var q = parseAreas(b)[0];
        return makeRange(book, sheet, [[p[0], p[1], q[2], q[3]]]);
      }
      return makeRange(book, sheet, parseAreas(a));
    });
    ws.Cells = { __kind: "cells" };
    method(ws.Cells, "Item", book, function (r, c) {
      return makeRange(book, sheet, [[r, c, r, c]]);
    });
    ws.Rows = { __kind: "rows" };
    method(ws.Rows, "Item", book, function (row) {
      if (!book.options.rowsItem) {
        throw FakeError("Rows.Item is not supported in this build");
      }
      var rr = { __kind: "row" };
      method(rr, "Insert", book, function () {
        insertRow(sheet, row);
      });
      return rr;
    });
    method(ws, "Move", book, function (before, after) {
      book.sheets.splice(book.sheets.indexOf(sheet), 1);
      var at = after ? book.sheets.indexOf(after.__sheet) + 1 : book.sheets.indexOf(before.__sheet);
      book.sheets.splice(at, 0, sheet);
    });
    method(ws, "Activate", book, function () {
      book.active = sheet;
    });
    method(ws, "Delete", book, function () {
      if (book.displayAlerts) {
        throw FakeError("Delete asked the user (DisplayAlerts on)");
      }
      book.sheets.splice(book.sheets.indexOf(sheet), 1);
      if (book.active === sheet) {
        book.active = book.sheets[0] || null;
      }
    });
    method(ws, "Copy", book, function (before, after) {
      var at = book.sheets.indexOf((after || before).__sheet) + (after ? 1 : 0);
      var copy = new Sheet(book, { name: sheet.name + " (2)", state: sheet.state, protection: Object.assign({}, sheet.protection) });
      Object.keys(sheet.cells).forEach(function (k) {
        copy.cells[k] = JSON.parse(JSON.stringify(sheet.cells[k]));
      });
      copy.merges = sheet.merges.map(function (m) {
        return m.slice();
      });
      copy.widths = Object.assign({}, sheet.widths);
      book.sheets.splice(at, 0, copy);
    });
    prop(ws, "ProtectContents", book, function () {
      return !!sheet.protection.sheet;
    });
    prop(ws, "ProtectDrawingObjects", book, function () {
      return !!sheet.protection.objects;
    });
    prop(ws, "ProtectScenarios", book, function () {
      return !!sheet.protection.scenarios;
    });
    prop(ws, "Protection", book, function () {
      var p = { __kind: "protection" };
      FLAG_ORDER.forEach(function (f) {
        prop(p, f, book, function () {
          return sheet.protection[FLAG_KEYS[f]] === false;
        });
      });
      return p;
    });
    method(ws, "Unprotect", book, function (password) {
      if (sheet.protection.password && password === undefined) {
        throw FakeError("The password you supplied is not correct.");
      }
      sheet.protection.sheet = false;
    });
    method(ws, "Protect", book, function (password, drawing, contents, scenarios) {
      var p = sheet.protection;
      p.sheet = contents !== false;
      p.objects = !!drawing;
      p.scenarios = !!scenarios;
      var flags = Array.prototype.slice.call(arguments, 5);
      FLAG_ORDER.forEach(function (f, i) {
        if (flags[i] !== undefined) {
          p[FLAG_KEYS[f]] = !flags[i];
        }
      });
    });
    prop(ws, "PageSetup", book, function () {
      if (book.options.noPrinter) {
        throw FakeError("Unable to get the PageSetup property of the Worksheet class");
      }
      return makePageSetup(book, sheet);
    });
    return ws;
  }

  function makeWorkbook(book) {
    var wb = { __kind: "workbook" };
    var sheets = { __kind: "worksheets" };
    prop(sheets, "Count", book, function () {
      return book.sheets.length;
    });
    method(sheets, "Item", book, function (i) {
      var s = typeof i === "number" ? book.sheets[i - 1] : book.sheets.filter(function (x) { return x.name === i; })[0];
      if (!s) {
        throw FakeError("no sheet " + i);
      }
      return makeSheet(book, s);
    });
    method(sheets, "Add", book, function (before, after) {
      if (after && !book.options.addAfter) {
        throw FakeError("Worksheets.Add: After is not supported in this build");
      }
      var n = 1;
      while (book.sheets.some(function (s) { return s.name === "Sheet" + n; })) {
        n++;
      }
      var s = new Sheet(book, { name: "Sheet" + n });
      var at = after ? book.sheets.indexOf(after.__sheet) + 1 : before ? book.sheets.indexOf(before.__sheet) : book.sheets.length;
      book.sheets.splice(at, 0, s);
      book.active = s;
      return makeSheet(book, s);
    });
    prop(wb, "Worksheets", book, function () {
      return sheets;
    });
    prop(wb, "FullName", book, function () {
      return book.fullName;
    });
    prop(wb, "Name", book, function () {
      return book.fullName.split(/[\\/]/).pop();
    });
    prop(wb, "Saved", book, function () {
      return book.saved;
    });
    method(wb, "Save", book, function () {
      book.saved = true;
    });
    return wb;
  }

  function makeApplication(book) {
    var app = { __kind: "app" };
    prop(app, "ActiveWorkbook", book, function () {
      return makeWorkbook(book);
    });
    prop(app, "ScreenUpdating", book, function () {
      return book.screenUpdating;
    }, function (v) {
      book.screenUpdating = !!v;
    });
    prop(app, "StatusBar", book, function () {
      return book.statusBar;
    }, function (v) {
      book.statusBar = v;
      book.statusHistory.push(v);
    });
    prop(app, "DisplayAlerts", book, function () {
      return book.displayAlerts;
    }, function (v) {
      book.displayAlerts = !!v;
    });
    prop(app, "PrintCommunication", book, function () {
      return book.printCommunication;
    }, function (v) {
      book.printCommunication = !!v;
    });
    prop(app, "ActiveWindow", book, function () {
      var win = { __kind: "window" };
      var split = [0, 0];
      prop(win, "SplitRow", book, function () {
        return split[0];
      }, function (v) {
        split[0] = v;
      });
      prop(win, "SplitColumn", book, function () {
        return split[1];
      }, function (v) {
        split[1] = v;
      });
      prop(win, "FreezePanes", book, function () {
        return !!book.active.freeze;
      }, function (v) {
        book.active.freeze = v && (split[0] || split[1]) ? colLetter(split[1] + 1) + (split[0] + 1) : null;
      });
      return win;
    });
    prop(app, "Selection", book, function () {
      return book.selection || null;
    });
    app.Workbooks = { __kind: "workbooks" };
    method(app.Workbooks, "Open", book, function (path) {
      book.opened.push(path);
    });
    method(app.Workbooks, "Add", book, function () {
      var other = new Book({ sheets: [{ name: "Sheet1" }] }, book.options);
      other.calls = book.calls;
      book.added = other;
      return makeWorkbook(other);
    });
    method(app, "FileDialog", book, function () {
      if (!book.folderChoice) {
        throw FakeError("no dialog in this build");
      }
      var d = { __kind: "dialog", Title: "" };
      method(d, "Show", book, function () {
        return -1;
      });
      d.SelectedItems = { Item: function () { return book.folderChoice; } };
      return d;
    });
    return app;
  }

  return {
    Book: Book,
    load: function (data, options) {
      return new Book(data, options);
    },
    CVERR: CVERR,
  };
});
