"""H5P libraries (stored once per name and version), activities (uploaded packages),
the places activities are used in lessons, results and saved state."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from lms.accounts.models import Administration


class H5PLibrary(models.Model):
    """One library per name and major.minor version, shared by every activity that uses
    that major.minor. Its installed patches are :class:`H5PLibraryVersion` rows; ``current``
    is the one every activity plays, and the fields from ``patch_version`` to
    ``installed_by`` repeat the current patch's (changed only by
    ``courses.packages.h5p.services``: upgrade and rollback)."""

    machine_name = models.CharField(_("machine name"), max_length=127)
    major_version = models.PositiveSmallIntegerField(_("major version"))
    minor_version = models.PositiveSmallIntegerField(_("minor version"))
    patch_version = models.PositiveSmallIntegerField(_("patch version"))
    title = models.CharField(_("title"), max_length=255)
    runnable = models.BooleanField(default=False)
    library_json = models.JSONField(default=dict)
    semantics = models.JSONField(null=True, blank=True)
    installed_at = models.DateTimeField(auto_now_add=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current = models.ForeignKey(
        "courses.H5PLibraryVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
        help_text=_("The patch every activity using this major.minor version plays."),
    )

    class Meta:
        verbose_name = _("H5P library")
        verbose_name_plural = _("H5P libraries")
        ordering = ["machine_name", "major_version", "minor_version"]
        permissions = [("install_h5plibrary", _("Can install new H5P libraries"))]
        constraints = [
            models.UniqueConstraint(
                fields=["machine_name", "major_version", "minor_version"],
                name="h5p_library_once_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.machine_name} {self.version}"

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}.{self.patch_version}"

    @property
    def folder(self) -> str:
        """The folder name the player asks for (``Machine.Name-major.minor``); the files
        are stored under the current version's :attr:`H5PLibraryVersion.folder`."""
        return f"{self.machine_name}-{self.major_version}.{self.minor_version}"

    @property
    def storage_folder(self) -> str:
        """Where the current patch's files are stored, under ``h5p/libraries/``."""
        return self.current.folder if self.current_id else self.folder  # type: ignore[union-attr]


class H5PLibraryVersion(models.Model):
    """One installed patch of a library, with its own files, kept so that a platform
    admin can make an earlier patch current again (rollback).

    Files live under ``h5p/libraries/<folder>/``: ``Machine.Name-major.minor.patch`` for
    patches installed since versions were kept, ``Machine.Name-major.minor`` for those
    installed before (migration 0007 recorded them where they were)."""

    library = models.ForeignKey(H5PLibrary, on_delete=models.CASCADE, related_name="versions")
    patch_version = models.PositiveSmallIntegerField(_("patch version"))
    folder = models.CharField(_("storage folder"), max_length=160)
    title = models.CharField(_("title"), max_length=255)
    runnable = models.BooleanField(default=False)
    library_json = models.JSONField(default=dict)
    semantics = models.JSONField(null=True, blank=True)
    installed_at = models.DateTimeField(auto_now_add=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("H5P library version")
        verbose_name_plural = _("H5P library versions")
        ordering = ["library", "-patch_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "patch_version"], name="h5p_library_version_once"
            )
        ]

    def __str__(self) -> str:
        library = self.library
        return (
            f"{library.machine_name} "
            f"{library.major_version}.{library.minor_version}.{self.patch_version}"
        )

    @property
    def version(self) -> str:
        library = self.library
        return f"{library.major_version}.{library.minor_version}.{self.patch_version}"


class H5PActivity(index.Indexed, models.Model):
    """One uploaded .h5p package: content stored per activity, libraries shared."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="h5p_activities",
        verbose_name=_("owned by"),
        help_text=_("Empty for regional activities that every administration may use."),
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    main_library = models.ForeignKey(
        H5PLibrary, on_delete=models.PROTECT, related_name="main_for", verbose_name=_("type")
    )
    libraries = models.ManyToManyField(H5PLibrary, related_name="activities", blank=True)
    h5p_json = models.JSONField(default=dict)
    size_bytes = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        # Searches are scoped to what the author may see (regional and own activities).
        index.FilterField("administration"),
    ]

    class Meta:
        verbose_name = _("H5P activity")
        verbose_name_plural = _("H5P activities")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        return f"h5p/content/{self.uuid}"


class LessonActivity(models.Model):
    """Where an activity is used: one H5P block of one lesson translation.

    Rebuilt from the lesson's body when the lesson is published, so that recording a result
    needs no page load. Block ids are shared by a lesson's translations.
    """

    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="activity_slots"
    )
    block_id = models.CharField(max_length=64)
    activity = models.ForeignKey(H5PActivity, on_delete=models.PROTECT, related_name="slots")
    required = models.BooleanField(
        default=True,
        help_text=_(
            "Whether the lesson waits for this activity: required by its author and of a "
            "type that can say it is finished (courses/packages/h5p/completion.py)."
        ),
    )
    completion = models.CharField(
        _("completes when"),
        max_length=8,
        choices=[("answer", _("any answer")), ("pass", _("a pass score is reached"))],
        default="answer",
    )
    pass_percent = models.PositiveSmallIntegerField(_("pass score (%)"), null=True, blank=True)
    steps = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Slides of a presentation: reaching the last one finishes it."),
    )
    lesson_key = models.UUIDField()
    course_key = models.UUIDField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "block_id"], name="lesson_activity_once")
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id}:{self.block_id}"


class XAPIAccount(models.Model):
    """The opaque name that stands for an officer in xAPI statements (``actor.account``):
    never the username or the e-mail address, stable for as long as the user exists.

    Part of the user's identity rather than a learning record, so it follows the user
    across administrations and carries no administration of its own."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_account"
    )
    name = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("xAPI account")
        verbose_name_plural = _("xAPI accounts")

    def __str__(self) -> str:
        return str(self.name)


class H5PStatement(models.Model):
    """One xAPI statement an officer's browser sent, stored whole as prepared by
    ``courses/packages/h5p/xapi.py`` (actor, authority, timestamps set by the server).

    Statement ids are unique across the platform, as an LRS needs them. ``forward_state``
    queues the statement for the external learning record store, when one is configured
    (``courses/packages/h5p/lrs.py``)."""

    class Forward(models.TextChoices):
        NONE = "", _("not forwarded")
        PENDING = "pending", _("waiting to be forwarded")
        SENT = "sent", _("forwarded")
        REFUSED = "refused", _("refused by the learning record store")

    statement_id = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.CASCADE, related_name="h5p_statements"
    )
    activity = models.ForeignKey(H5PActivity, on_delete=models.CASCADE, related_name="statements")
    lesson_key = models.UUIDField()
    block_id = models.CharField(max_length=64)
    verb = models.CharField(max_length=2048)
    object_id = models.CharField(max_length=2048)
    sub_content = models.BooleanField(default=False)
    statement = models.JSONField()
    stored = models.DateTimeField()
    forward_state = models.CharField(
        max_length=8, choices=Forward.choices, default=Forward.NONE, blank=True
    )
    forward_attempts = models.PositiveSmallIntegerField(default=0)
    forward_after = models.DateTimeField(null=True, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forward_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("H5P statement")
        verbose_name_plural = _("H5P statements")
        indexes = [
            models.Index(fields=["administration", "stored"], name="h5p_statement_admin_stored"),
            models.Index(
                fields=["forward_after"],
                condition=models.Q(forward_state="pending"),
                name="h5p_statement_forward_queue",
            ),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class H5PResult(models.Model):
    """The best score an officer reached in an activity, from the main content's scored
    statements (never sub-content), stored against the signed-in user (never its actor).
    Counts for lesson progress only, never for certificates."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(H5PActivity, on_delete=models.CASCADE, related_name="results")
    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.CASCADE, related_name="h5p_results"
    )
    lesson_key = models.UUIDField()
    block_id = models.CharField(max_length=64)
    verb = models.CharField(max_length=2048)
    score_raw = models.FloatField(null=True, blank=True)
    score_min = models.FloatField(null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    score_scaled = models.FloatField(
        help_text=_("Share of the possible score reached (xAPI's scaled score when given).")
    )
    success = models.BooleanField(null=True)
    completion = models.BooleanField(default=False)
    statement = models.ForeignKey(
        H5PStatement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["administration", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "activity"], name="h5p_result_best_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.activity_id} · {self.score_scaled}"


class H5PUserData(models.Model):
    """H5P's saved state ("content user data") for one user and activity."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(H5PActivity, on_delete=models.CASCADE, related_name="user_data")
    data_type = models.CharField(max_length=64)
    sub_content_id = models.CharField(max_length=64, blank=True)
    data = models.TextField()
    preload = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "activity", "data_type", "sub_content_id"],
                name="h5p_user_data_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.activity_id} · {self.data_type}"
