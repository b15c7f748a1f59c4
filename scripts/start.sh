#!/usr/bin/env bash
# Set up and start the dashboard on the embedded SQLite store, seeded with the sample articles in data/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m narratives seed            # ingest data/*.txt and cluster, only if the store is empty (writes the frame copy too)
exec .venv/bin/python scripts/serve.py --server.headless true --browser.gatherUsageStats false "$@"   # = streamlit run scripts/server_app.py: app.py, warmed up, Plotly preloaded
