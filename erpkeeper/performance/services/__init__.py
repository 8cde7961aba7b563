"""Performance operations for every interface (console, API, CLI, jobs): one function each."""

from erpkeeper.performance.services.checks import CheckFailed, host_ram_bytes, run_checks
from erpkeeper.performance.services.code import (
    CODE_REVIEW,
    CodeReviewFailed,
    add_code_folder,
    check_code_folder,
    compare_to_previous,
    note_texts,
    remove_code_folder,
    request_code_review,
    run_code_review,
    score_trend,
    targets_with_code_folders,
)
from erpkeeper.performance.services.findings import (
    accept_finding,
    finding_advice,
    finding_explanation,
    finding_title,
    reopen_finding,
)
from erpkeeper.performance.services.proofs import ProofFailed, run_proof
from erpkeeper.performance.services.queries import AdviceRefused, advise_query, model_tables
from erpkeeper.performance.services.requests import JobRequest, request_check, request_proof

__all__ = [
    "CODE_REVIEW",
    "CodeReviewFailed",
    "add_code_folder",
    "check_code_folder",
    "compare_to_previous",
    "note_texts",
    "remove_code_folder",
    "request_code_review",
    "run_code_review",
    "score_trend",
    "targets_with_code_folders",
    "AdviceRefused",
    "CheckFailed",
    "JobRequest",
    "ProofFailed",
    "accept_finding",
    "advise_query",
    "finding_advice",
    "finding_explanation",
    "finding_title",
    "host_ram_bytes",
    "model_tables",
    "reopen_finding",
    "request_check",
    "request_proof",
    "run_checks",
    "run_proof",
]
