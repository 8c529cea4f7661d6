"""The functional core: the form as data and everything computed from it. Pure Python: no file I/O,
no xlwings, no office suite.

Layered bottom to top: :mod:`labels` (the label contract), :mod:`values` (typed values),
:mod:`model` and :mod:`grid` (data), :mod:`parser` (grids to the model), :mod:`scoring` and
:mod:`evaluate` (the numbers), :mod:`rules` and :mod:`engine` (the findings), :mod:`findings` and
:mod:`results_table` (the findings as one table). Sources (:mod:`xlperf.sources`) feed it grids;
shells (CLI, UDFs, ribbon macros, writers) sit on top.
"""
