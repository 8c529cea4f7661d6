/*
 * The ribbon's callbacks as WPS calls them: the global functions ribbon.xml names (the same names as
 * the Excel add-in's VBA callbacks), bound to the ET application, the settings xlperf wps install wrote
 * (the key file xlperf.key in this add-in's folder, read through WPS's own file API: a web page has no such
 * API and cannot read the file) and the page's fetch and dialogs.
 */
(function (root) {
  "use strict";
  var xlperf = root.xlperf;
  var KEY_FILE = "xlperf.key";

  function application() {
    if (root.Application) {
      return root.Application;
    }
    if (root.wps && typeof root.wps.EtApplication === "function") {
      return root.wps.EtApplication();
    }
    return null;
  }

  /** This add-in's folder as WPS's file API wants it: "C:/Users/…/xlperf_0.1.0/" or "/home/…/". */
  function addinFolder() {
    var loc = root.location;
    if (!loc || loc.protocol !== "file:") {
      return null;
    }
    var path = decodeURIComponent(loc.pathname);
    if (/^\/[A-Za-z]:\//.test(path)) {
      path = path.slice(1);
    }
    if (loc.host) {
      path = "//" + loc.host + path;
    }
    return path.slice(0, path.lastIndexOf("/") + 1);
  }

  function readText(path) {
    var fs = root.wps && root.wps.FileSystem;
    if (!fs) {
      return null;
    }
    try {
      if (typeof fs.ReadFile === "function") {
        return fs.ReadFile(path);
      }
      if (typeof fs.readFileString === "function") {
        return fs.readFileString(path);
      }
    } catch (e) {
      return null;
    }
    return null;
  }

  /** {port, secret} from the key file, read at each click (a reinstall takes effect at once). */
  function settings() {
    var folder = addinFolder();
    return folder === null ? null : xlperf.parseKey(readText(folder + KEY_FILE));
  }

  var ui = {
    alert: function (text) {
      root.alert(text);
    },
    confirm: function (text) {
      return root.confirm(text);
    },
    prompt: function (text, value) {
      return root.prompt(text, value);
    },
  };

  var callbacks = xlperf.ribbon(application, settings, root.fetch.bind(root), ui);

  // the first callback WPS makes: keep the ribbon, check that our service answers and proves itself (a
  // Chinese message saying how to start it when it does not)
  root.XlperfRibbonLoad = function (ribbonUI) {
    root.xlperfRibbonUI = ribbonUI;
    xlperf.lastAction = callbacks.healthCheck();
    return true;
  };

  xlperf.ACTIONS.forEach(function (name) {
    root[name] = function () {
      xlperf.lastAction = callbacks[name]();
      return true;
    };
  });

  root.XlperfGetImage = function (control) {
    return "images/" + control.Id + ".svg";
  };
})(typeof self !== "undefined" ? self : this);
