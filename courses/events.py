"""Domain signals of the courses layer, for higher layers to subscribe to.

Higher apps (certificates, tracking) connect in their ``AppConfig.ready()`` and call one
idempotent service; ``courses`` never imports them. Signals are sent after the
transaction that made the change has committed.

``course_completed``
    An officer completed every required part of a course.
    Sent with ``sender=Enrolment`` and keyword arguments ``enrolment`` (the
    :class:`courses.models.Enrolment`), ``user_id``, ``administration_id`` and
    ``course_key`` (the course's translation key, shared by all its translations).

``lesson_completed``
    An officer completed a lesson. ``sender=LessonProgress``, with ``progress``,
    ``user_id`` and ``lesson_key``.
"""

from django.dispatch import Signal

course_completed = Signal()
lesson_completed = Signal()
