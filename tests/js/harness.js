// The test page's stand-in for WPS's ribbon: buttons made from ribbon.xml (window.__RIBBON_XML__), each
// calling the global callback its onAction names, as WPS does; the onLoad callback is called first. Run
// once the add-in's page has loaded its scripts (tests/test_wps_browser.py runs it at DOMContentLoaded).
(function () {
  "use strict";
  var doc = new DOMParser().parseFromString(window.__RIBBON_XML__, "application/xml");
  var ui = doc.documentElement;
  window.__done = 0;
  window.__errors = [];
  function settle() {
    return Promise.resolve(window.xlperf.lastAction).then(
      function () {
        window.__done += 1;
      },
      function (e) {
        window.__errors.push(String((e && e.stack) || e));
        window.__done += 1;
      }
    );
  }
  var onLoad = ui.getAttribute("onLoad");
  if (onLoad) {
    window[onLoad]({ id: "ribbon" });
    settle();
  }
  var bar = document.getElementById("ribbon");
  if (!bar) {
    bar = document.createElement("div");
    bar.id = "ribbon";
    document.body.appendChild(bar);
  }
  Array.prototype.forEach.call(doc.getElementsByTagName("button"), function (b) {
    var el = document.createElement("button");
    el.textContent = b.getAttribute("label");
    el.setAttribute("data-id", b.getAttribute("id"));
    el.addEventListener("click", function () {
      window[b.getAttribute("onAction")]({ Id: b.getAttribute("id") });
      settle();
    });
    bar.appendChild(el);
  });
})();
