// The WPS 表格 add-in of xlperf (绩效自评). WPS opens an index.html it makes in this folder, which
// loads this file; this file loads the rest, in order. config.js (the local service's port and token)
// is written by `xlperf wps install`.
document.write('<script src="config.js"></script>');
document.write('<script src="js/xlperf.js"></script>');
document.write('<script src="js/ribbon.js"></script>');
