"""The errors a user can cause and fix (bad params, bad input data, a stage run before its inputs exist).

The CLI turns these into one clear line and exit code 2; every other exception is a bug and keeps its traceback.
Each is defined beside the helper that raises it, or here when a stage raises it: this module imports helpers
only, never a stage (a stage imports its error from here).
"""
from __future__ import annotations

from pipeline.params import ParamsError
from pipeline.tables import SchemaError


class IngestError(RuntimeError):
    """The CodeNet tree cannot be read at all; the message says what is missing and how to fix it."""


USER_ERRORS: tuple[type[BaseException], ...] = (ParamsError, IngestError, SchemaError, FileNotFoundError)
