"""Incomes, expenditure and guarantees per household and year (收支情况, 三保障和饮水安全).

``catalogue`` declares the columns once for both imports that carry them: the national system's
export (``registry.imports``) and the yearly income collection (``run.import_incomes``). In the
order an import runs: ``read`` (finding and reading the columns), ``check`` (stated totals
against their parts), ``annual`` (records, the diff against the store, the writes); ``run`` is
the collection import. This package keeps no imports here: ``registry.imports`` uses its
modules while it is itself being imported.
"""
