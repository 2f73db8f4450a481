"""Validation of cost rows against every InCost rule (DESIGN.md, "Validation codes")."""

from incost_portal.costs.validation.rules import AppRules, NetworkRules
from incost_portal.costs.validation.runner import CheckSummary, IssueCollector, cost_file_check
from incost_portal.costs.validation.validator import CheckedChunk, CostValidator

__all__ = [
    "AppRules",
    "CheckSummary",
    "CheckedChunk",
    "CostValidator",
    "IssueCollector",
    "NetworkRules",
    "cost_file_check",
]
