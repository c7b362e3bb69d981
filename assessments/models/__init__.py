"""Question banks, versioned questions, assessment pages, attempts and responses."""

from .attempts import Attempt, AttemptEvent, Response
from .banks import Question, QuestionBank, QuestionVersion, TaggedQuestion
from .images import QuestionImage
from .imports import QuestionImport
from .manual import EssayFile, ManualGrade
from .pages import AssessmentPage, DrawRule, ReviewPolicy
from .prepared import AttemptSheet, PreparedAttempt, PreparedResponse

__all__ = [
    "AssessmentPage",
    "Attempt",
    "AttemptEvent",
    "AttemptSheet",
    "DrawRule",
    "EssayFile",
    "ManualGrade",
    "PreparedAttempt",
    "PreparedResponse",
    "Question",
    "QuestionBank",
    "QuestionImage",
    "QuestionImport",
    "QuestionVersion",
    "Response",
    "ReviewPolicy",
    "TaggedQuestion",
]
