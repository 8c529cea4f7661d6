/*
 * The ribbon's callbacks as WPS calls them: the global functions ribbon.xml names (the same names as
 * the Excel add-in's VBA callbacks), bound to the ET application, the settings xlperf wps install wrote
 * (config.js) and the page's fetch and dialogs.
 */
(function (root) {
  "use strict";
  var xlperf = root.xlperf;

  function application() {
    if (root.Application) {
      return root.Application;
    }
    if (root.wps && typeof root.wps.EtApplication === "function") {
      return root.wps.EtApplication();
    }
    return null;
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

  var callbacks = xlperf.ribbon(application, root.XLPERF_CONFIG || null, root.fetch.bind(root), ui);

  // the first callback WPS makes: keep the ribbon, check that the service answers (a Chinese message
  // saying how to start it when it does not)
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
