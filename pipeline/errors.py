"""The errors a user can cause and fix (bad params, bad input data, a stage run before its inputs exist).

The CLI turns these into one clear line and exit code 2; every other exception is a bug and keeps its traceback.
"""
from __future__ import annotations

from pipeline.ingest import IngestError
from pipeline.params import ParamsError
from pipeline.tables import SchemaError

USER_ERRORS: tuple[type[BaseException], ...] = (ParamsError, IngestError, SchemaError, FileNotFoundError)
