"""Import the national monitoring system's member export into the registry, again and again.

``import_registry`` reads the export (``registry.national_export`` declares its columns), checks
every row, and brings the registry of the counties in the file in line with it, in one
transaction:

* every row ends accepted or rejected, with its row number and reasons in a rejects report
  (personal values masked); rows in = accepted + rejected;
* a household whose rows are rejected, disagree on a household field, or do not have exactly
  one head is rejected whole and left in the registry as it was;
* households are matched by 户编号, members by their person number (the first 18 characters of
  the ID or disability-certificate number): new ones are added, changed ones updated, and those
  of the file's counties that the file no longer lists are marked removed (never deleted); a
  removed one that comes back is restored;
* the diff — new, changed (with the fields that changed), removed and unchanged households and
  members — is returned, written to ``changes.csv`` and kept in ``registry_imports``.

The same content as the last committed import changes nothing. ``dry_run`` computes the diff
and writes the reports, but nothing to the store. Logs carry counts and ids, never personal
data. docs/registry-import.md is the user's guide.

The package, in the order an import runs: ``read`` (headers, cells), ``check`` (rows and
households), ``rejects`` (the rejects report), ``store`` (the registry as it is), ``diff`` (the
plan of what changes), ``write`` (the plan, in bulk), ``record`` (``registry_imports``);
``run`` ties them together and ``report`` holds what an import returns.
"""

from __future__ import annotations

import importlib
from typing import Any

# The names below are loaded when first used (PEP 562): importing one module of the package
# (``imports.read`` from the income collection, a report type from the CLI) does not load the
# whole import and what it needs (pyarrow, pandas, DuckDB).
_WHERE = {
    "map_headers": "read",
    "describe": "rejects",
    "mask_value": "rejects",
    "DiffCount": "report",
    "RegistryDiff": "report",
    "RegistryImportReport": "report",
    "reason_labels": "report",
    "import_registry": "run",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)


__all__ = [
    "DiffCount",
    "RegistryDiff",
    "RegistryImportReport",
    "describe",
    "import_registry",
    "map_headers",
    "mask_value",
    "reason_labels",
]
