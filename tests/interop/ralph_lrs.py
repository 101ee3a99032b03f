"""Run Ralph's LRS (ralph.api:app) under uvicorn with its file-system backend. Run by the
counterparts' Python (tests/interop/lrs.py), never imported by the site or its tests.

The one thing changed: Ralph 5.1's file-system LRS backend writes with the INDEX operation,
which refuses to write to its statements file once the file exists, so every POST after the
first fails with 500. Appending is what a statements file needs; Ralph's validation, duplicate
handling and queries are untouched.

Usage: python ralph_lrs.py PORT
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
