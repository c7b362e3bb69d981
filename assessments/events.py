"""Domain signals of the assessments layer, for higher layers (certificates, tracking).

``assessment_passed``
    An officer's attempt was graded and reached the pass mark. Sent after the grading
    transaction commits, with ``sender=Attempt`` and keyword arguments ``attempt``,
    ``user_id``, ``administration_id``, ``assessment_key`` (the assessment page's
    translation key) and ``percent``.
"""

from django.dispatch import Signal

assessment_passed = Signal()
