"""The national-scale dataset to measure the service against: `generate` (devdata/national/dataset.py
says what it holds) and what it returns."""

from devdata.national.dataset import ScaleDataError, ScaleResult, SignIn, generate, refusal, remove_files
from devdata.national.generator import StageTiming, Targets

__all__ = [
    "ScaleDataError",
    "ScaleResult",
    "SignIn",
    "StageTiming",
    "Targets",
    "generate",
    "refusal",
    "remove_files",
]
