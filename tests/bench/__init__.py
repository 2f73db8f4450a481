"""`make bench`: a small harness of benchmarks, each measuring against a baseline in the same run.

A benchmark is a function registered with `@benchmark("name")` that takes the `BenchContext`
and returns `Figure`s: the value measured, the baseline measured beside it, their ratio, the
goal and whether it was met. `python -m tests.bench` runs them all and prints one table.
Benchmark modules are listed in MODULES; later issues add theirs there.
"""

import importlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MODULES = [
    "tests.bench.costs",
    "tests.bench.sending",
    "tests.bench.pages",
    "tests.bench.bounded",
    "tests.bench.storage",
    "tests.bench.api",
    "tests.bench.incost_compat",
    "tests.bench.sources",
    "tests.bench.freshness",
]


@dataclass
class Figure:
    """One line of the table. `passed` is None when there is no goal (or it was skipped)."""

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    goal: str = ""
    passed: bool | None = None
    note: str = ""


@dataclass
class BenchContext:
    rows: int
    workdir: Path
    database_url: str = ""  # a PostgreSQL server to create the bench database on, if any
    python: str = sys.executable
    keep: bool = False  # keep what was built (files, the pages' database) for the next run to reuse
    cache: dict[str, object] = field(default_factory=dict)


Benchmark = Callable[[BenchContext], list[Figure]]
REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    def register(function: Benchmark) -> Benchmark:
        REGISTRY[name] = function
        return function

    return register


def best_of(runs: int, function: Callable[[], object]) -> float:
    """The fastest of `runs` timings, in seconds: the least disturbed by other work."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def table(figures: list[Figure]) -> str:
    heads = ["figure", "value", "baseline", "ratio", "goal", "pass"]
    lines = []
    for figure in figures:
        baseline = _number(figure.baseline, figure.unit if figure.baseline_name else "")
        if figure.baseline_name:
            baseline = f"{baseline} ({figure.baseline_name})"
        verdict = {True: "yes", False: "NO", None: "-"}[figure.passed]
        lines.append(
            [
                figure.name,
                _number(figure.value, figure.unit),
                baseline,
                _number(figure.ratio, "x" if figure.ratio else ""),
                figure.goal,
                verdict,
            ]
        )
    widths = [
        max(len(head), *(len(line[i]) for line in lines)) if lines else len(head)
        for i, head in enumerate(heads)
    ]
    out = [" | ".join(head.ljust(width) for head, width in zip(heads, widths, strict=True))]
    out.append("-+-".join("-" * width for width in widths))
    out.extend(
        " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in lines
    )
    notes = [f"- {figure.name}: {figure.note}" for figure in figures if figure.note]
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)


def run(*, rows: int, only: list[str] | None = None, keep: bool = False) -> list[Figure]:
    """Run the registered benchmarks (all, or those named) and return their figures."""
    for module in MODULES:
        importlib.import_module(module)
    workdir = Path(tempfile.mkdtemp(prefix="incost-bench-"))
    database_url = os.environ.get("DATABASE_URL", "")
    context = BenchContext(
        rows=rows,
        workdir=workdir,
        database_url=database_url if database_url.startswith("postgres") else "",
        keep=keep,
    )
    figures: list[Figure] = []
    try:
        for name, function in REGISTRY.items():
            if only and name not in only:
                continue
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            figures.extend(function(context))
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return figures
