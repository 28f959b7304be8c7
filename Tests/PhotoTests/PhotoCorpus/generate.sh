#!/usr/bin/env bash
# Regenerates the stamp photo corpus in this folder (labels/, images/, manifest.json).
#   Tests/PhotoTests/PhotoCorpus/generate.sh                      the committed corpus
#   Tests/PhotoTests/PhotoCorpus/generate.sh --seed 777 --out DIR a fresh set of photos elsewhere
# Step 1 renders the stamp labels with the station's own renderer (module Labels, templates in
# Config/templates) through the Swift test CorpusLabelTests; step 2 photographs them in Python
# (Pillow + numpy, pinned in requirements.txt, in a virtualenv outside the repository).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${STATION_PHOTO_CORPUS_VENV:-$HOME/.cache/station-photo-corpus}"

(cd "$root" && PHOTO_CORPUS_WRITE_LABELS=1 swift test --filter CorpusLabelTests)

if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet -r "$here/requirements.txt"
"$venv/bin/python" "$here/make_photos.py" "$@"
