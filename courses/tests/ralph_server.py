"""Runs Ralph (ralph-malph), a real xAPI learning record store, for the tests of
courses/packages/h5p/lrs.py: ``python -m courses.tests.ralph_server PORT``, configured
through RALPH_* environment variables (the file-system backend).

Ralph's file-system LRS backend writes with its ``create`` operation by default, which
refuses to write to its file a second time ("already exists and overwrite is not allowed");
its ``append`` operation, which the backend implements, is made the default here so that
the store takes one statement after another like any LRS."""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
