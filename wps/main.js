// The WPS 表格 add-in of xlperf (绩效自评). WPS opens index.html in this folder (it makes one where there
// is none; ours is the same, for the builds that do not), which loads this file; this file loads the
// rest, in order. The service's port and the install secret are in xlperf.key, written by
// `xlperf wps install` and read by js/ribbon.js through WPS's file API (never as a script).
document.write('<script src="js/xlperf.js"></script>');
document.write('<script src="js/ribbon.js"></script>');
