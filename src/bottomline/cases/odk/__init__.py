"""Offline home visits (入户核实 / 排查) with ODK: the form cadres fill in on ODK Collect, and
the reader of the submissions downloaded from ODK Central.

* :mod:`.form` — the form declared in Python, written as an XLSForm (:func:`build_form`) and
  converted to the XForm Central takes (:func:`validate_form`).
* :mod:`.submissions` — :func:`read_submissions` reads the Central export (CSV, its zip, or the
  OData JSON) and checks every row: rows in = accepted + rejected + skipped;
  :func:`write_rejects` writes the rejects report in the feed imports' layout.

Nothing here touches the store; the caller decides what an accepted visit becomes.
"""

from bottomline.cases.odk.form import FORM_ID, FORM_VERSION, FormError, build_form, validate_form
from bottomline.cases.odk.submissions import (
    Reject,
    Skip,
    SubmissionFile,
    VisitSubmission,
    read_submissions,
    write_rejects,
)

__all__ = [
    "FORM_ID",
    "FORM_VERSION",
    "FormError",
    "Reject",
    "Skip",
    "SubmissionFile",
    "VisitSubmission",
    "build_form",
    "read_submissions",
    "validate_form",
    "write_rejects",
]
