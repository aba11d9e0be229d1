"""Helpers of the sphinx-gallery configuration (importable, so Sphinx can cache the config)."""

from __future__ import annotations

import os
from pathlib import Path

STUDY_RESULTS = Path(__file__).resolve().parent / "_build" / "study_results"

#: Order of the studies in the gallery: the classic experiments first, then the applications.
STUDY_ORDER = [
    "orientation_tuning.py",
    "contrast_invariance.py",
    "contrast_response.py",
    "cross_orientation_suppression.py",
    "spatial_frequency_tuning.py",
    "noise_snr.py",
    "contour_detection.py",
    "cnn_robustness.py",
]


def study_argv(gallery_conf: dict, script_vars: dict) -> list[str]:
    """Command line of each study in the gallery: quick mode (unless V1PUSHPULL_DOCS_FULL=1),
    results written under ``docs/_build/study_results``."""
    argv = ["--out", str(STUDY_RESULTS)]
    return argv if os.environ.get("V1PUSHPULL_DOCS_FULL") == "1" else [*argv, "--quick"]


class StudyOrder:
    """Sort key of the studies: their position in :data:`STUDY_ORDER`, unknown ones last."""

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        name = Path(filename).name
        position = STUDY_ORDER.index(name) if name in STUDY_ORDER else len(STUDY_ORDER)
        return position, name

    def __repr__(self) -> str:
        return f"<StudyOrder {STUDY_ORDER}>"
