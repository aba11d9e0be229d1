"""Sphinx configuration of the v1pushpull documentation.

Build with ``docs/build.sh`` (warnings are errors). The gallery executes every study in
``studies/`` with ``--quick`` (set ``V1PUSHPULL_DOCS_FULL=1`` for the default mode) and writes
their results under ``docs/_build/study_results``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import v1pushpull

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
STUDIES = ROOT / "studies"
# the studies import their shared set-up as `_common`, as they do when run as scripts;
# gallery_helpers (order, command line of the studies) lives beside this file
sys.path.insert(0, str(STUDIES))
sys.path.insert(0, str(DOCS))

project = "v1pushpull"
author = "The v1pushpull developers"
copyright = "2026, The v1pushpull developers"
version = release = v1pushpull.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # ships MathJax with the pages, so equations render without a network (offline machines,
    # a local build opened from disk)
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_studies/*.md5"]
templates_path = ["_templates"]
root_doc = "index"

# --- API reference ---------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autosummary_ignore_module_all = False  # the tables list what __all__ exports
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc sections describe the types
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()
# The modules define their references once, in the module docstring, and their functions cite
# them (``[G03]_``): keep the labels as written (numpydoc would rename them per docstring and
# break those citations; see setup() below). The same paper is cited on several pages, so
# duplicate and unreferenced citations are expected and not reported.
numpydoc_citation_re = r"(?!)"  # matches no label: nothing is renamed
suppress_warnings = ["ref.citation"]

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "scipy": ("https://docs.scipy.org/doc/scipy/", None),
    "xarray": ("https://docs.xarray.dev/en/stable/", None),
    "matplotlib": ("https://matplotlib.org/stable/", None),
    "skimage": ("https://scikit-image.org/docs/stable/", None),
    "torch": ("https://pytorch.org/docs/stable/", None),
}
# CI and this machine have no network: intersphinx inventories are optional (no warning)
if os.environ.get("V1PUSHPULL_DOCS_OFFLINE", "1") == "1":
    intersphinx_mapping = {}

# --- gallery of studies ----------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": [str(STUDIES)],
    "gallery_dirs": ["auto_studies"],
    "filename_pattern": r"/[a-z][a-z_]*\.py$",  # every study is executed
    "ignore_pattern": r"(_common|__init__)\.py$",
    "within_subsection_order": "gallery_helpers.StudyOrder",
    "reset_argv": "gallery_helpers.study_argv",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "min_reported_time": 1,
    "show_memory": False,
    "write_computation_times": False,  # no sg_execution_times.rst in the source tree
    "reference_url": {"v1pushpull": None},
    "doc_module": ("v1pushpull",),
    "backreferences_dir": None,
}


# --- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"v1pushpull {version}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# pages without sub-pages need no left sidebar: their wide tables get the room
html_sidebars = {
    "**": ["sidebar-nav-bs"],
    **{
        page: []
        for page in (
            "index",
            "getting_started",
            "theory",
            "corf_conventions",
            "reproduction",
            "architecture",
        )
    },
}
html_show_sourcelink = False
myst_heading_anchors = 3


def setup(app):
    """Keep citation labels as written: numpydoc's relabelling step expects renamed labels."""
    import numpydoc.numpydoc as numpydoc_module

    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if listener.handler is numpydoc_module.relabel_references:
                app.disconnect(listener.id)
