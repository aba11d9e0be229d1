#!/usr/bin/env bash
# Build the HTML documentation with warnings as errors; the gallery runs every study in
# --quick mode (V1PUSHPULL_DOCS_FULL=1 runs them in their default mode).
# Needs: pip install -e ".[docs]" (sphinx, pydata-sphinx-theme, numpydoc, sphinx-gallery,
# myst-parser) and torch for the API pages of v1pushpull.torch and the CNN study.
set -euo pipefail
cd "$(dirname "$0")"
export MPLBACKEND=Agg
# a clean build: stale generated pages or cached doctrees would hide warnings
rm -rf _build generated auto_studies
python -m sphinx -W --keep-going -b html -d _build/doctrees . _build/html "$@"
echo "documentation: $(pwd)/_build/html/index.html"
