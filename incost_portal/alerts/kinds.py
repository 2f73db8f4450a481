"""The registry of condition kinds: each has one evaluator that reads a network's state and returns
what is wrong now. A kind is added by decorating its evaluator (see alerts.evaluators); the
evaluation service (alerts.services.conditions) opens what is found and resolves what is not.

Nothing below alerts imports it: conditions are found by reading the state the lower layers keep
(submissions, their timelines, the token, the apps, the cost totals, the schedule's runs).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Finding:
    """A problem an evaluator sees now. `subject` tells occurrences of a kind apart (an app id; ""
    for the whole network); `since` is when it started."""

    subject: str
    title: str
    since: datetime
    detail: str = ""
    link: str = ""
    app_id: int | None = None


# (network, now, thresholds) -> what is wrong now.
Evaluator = Callable[[Any, datetime, Any], list[Finding]]


@dataclass(frozen=True)
class ConditionKind:
    name: str
    label: str
    description: str
    evaluate: Evaluator


REGISTRY: dict[str, ConditionKind] = {}


def condition_kind(name: str, label: str, description: str) -> Callable[[Evaluator], Evaluator]:
    """Register an evaluator as the one for a kind of condition."""

    def register(evaluate: Evaluator) -> Evaluator:
        if name in REGISTRY:
            raise ValueError(f"The condition kind {name!r} is registered twice.")
        REGISTRY[name] = ConditionKind(name=name, label=label, description=description, evaluate=evaluate)
        return evaluate

    return register


def kind_label(name: str) -> str:
    kind = REGISTRY.get(name)
    return kind.label if kind else name


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.name, kind.label) for kind in REGISTRY.values()]
