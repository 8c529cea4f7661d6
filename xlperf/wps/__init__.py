"""The 绩效自评 ribbon in WPS 表格: a local service (``xlperf serve``) and the JS add-in's installer.

xlwings does not work in WPS, so the WPS add-in (``wps/`` at the repository root, shipped as
``xlperf.wpsaddin``) is plain JS that reads each sheet's values in one call, posts them to the local
service and applies the plan it gets back, the same plan the Excel ribbon applies
(:mod:`xlperf.core.plan`). The parts:

- :mod:`.config`: the per-install port and secret, where the service and the add-in find them;
- :mod:`.auth`: how the add-in and the service prove to each other that they know the secret (which is
  never sent);
- :mod:`.handlers`: what each endpoint computes (JSON in, JSON out), through the library;
- :mod:`.service`: the HTTP server (loopback only, a deadline for each request, Host and Origin checks,
  authentication of every call, CORS for the add-in's file:// page, size and time limits, Chinese errors);
- :mod:`.install`: ``xlperf wps install`` / ``--uninstall`` (jsaddons, publish.xml, start at login).
"""
