"""The national-scale dataset to measure the service against (see `devdata.national.dataset`)."""

from devdata.national.dataset import (
    ScaleDataError,
    ScaleResult,
    SignIn,
    StageTiming,
    Targets,
    generate,
    refusal,
    remove_files,
)

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
