"""The knowledge app's models: the knowledge base (``articles``), training and knowledge
sharing (``training``: courses, assignments, attempts, sessions) and what the reports count
(``usage``: article views and searches without a result)."""

from erpkeeper.knowledge.models.articles import (
    Article,
    ArticleFile,
    ArticleIndex,
    ArticleKind,
    ArticleLanguage,
    ArticleStatus,
    ArticleVersion,
    Category,
    ReviewReason,
    ReviewTask,
    SuggestionRead,
    Visibility,
    Vote,
)
from erpkeeper.knowledge.models.sessions import (
    AttendanceState,
    SessionAttendance,
    SessionKind,
    SessionMaterial,
    TrainingSession,
)
from erpkeeper.knowledge.models.training import (
    AssignmentKind,
    Attempt,
    Course,
    CourseAssignment,
    CourseState,
    CourseStep,
    Enrolment,
    Question,
    QuestionKind,
    QuestionOption,
    StepRead,
)
from erpkeeper.knowledge.models.usage import ArticleViewDay, SearchMiss

__all__ = [
    "Article",
    "ArticleFile",
    "ArticleIndex",
    "ArticleKind",
    "ArticleLanguage",
    "ArticleStatus",
    "ArticleVersion",
    "ArticleViewDay",
    "AssignmentKind",
    "Attempt",
    "AttendanceState",
    "Category",
    "Course",
    "CourseAssignment",
    "CourseState",
    "CourseStep",
    "Enrolment",
    "Question",
    "QuestionKind",
    "QuestionOption",
    "ReviewReason",
    "ReviewTask",
    "SearchMiss",
    "SessionAttendance",
    "SessionKind",
    "SessionMaterial",
    "StepRead",
    "SuggestionRead",
    "TrainingSession",
    "Visibility",
    "Vote",
]
