"""xlperf inside Excel: worksheet functions (:mod:`udfs`), ribbon macros (:mod:`macros`) and the few
helpers that read and write a live workbook through xlwings in batches (:mod:`live`).

Everything here is a thin shell over the core (parser, engine, scoring): the numbers in a cell, in the
校验结果 sheet and from ``xlperf validate`` are the same numbers.
"""
