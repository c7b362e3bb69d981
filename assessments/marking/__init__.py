"""Manual grading: essays' attached files, the grading queue and the grades people give.

- ``selectors``: who may grade which attempt (tenancy), the queue, the files.
- ``services``: storing an essay's file, saving a grade (and completing the attempt on
  the last one), regrading.
- ``uploads``: the checks an attached file passes (size, type by its content).
- ``views``: the officer's upload and the file download; ``admin_views``: the queue and
  the grading page in the Wagtail admin.

Who grades: the training managers of the officer's administration, for every assessment
their officers sit; and, for a regional assessment (one outside every administration's
catalogue), the regional authors (training managers without an administration, platform
admins), who author them. Another administration's attempt and a missing one answer the
same 404.
"""
