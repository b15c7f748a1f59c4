"""Upload: files of any supported format (incl. zip) -> editable preview -> save -> per-file report.

Size caps are checked here on the server (the widget limit alone can be bypassed). After saving, new
articles are assigned to the current clusters (assign_new; cluster_corpus when there is no run yet) and the
caches are dropped, so every chart includes them without a restart.
"""
from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import streamlit as st

from narratives import config
from views import _shared as sh

st.title("Upload articles")

if not sh.edit_gate("upload articles", key="up_signin"):
    sh.stop()

FORMATS = ["txt", "md", "html", "htm", "csv", "tsv", "xlsx", "json", "jsonl", "pdf", "docx", "zip"]
st.caption("Text, HTML, PDF, Word, CSV/Excel/JSON (one article per row) or a zip of those. "
           f"Up to {config.MAX_FILE_BYTES // config.MB} MB per file, "
           f"{config.MAX_BATCH_BYTES // config.MB} MB per batch.")

gen = st.session_state.setdefault("up_gen", 0)  # bumped after a save to clear the uploader
files = st.file_uploader("Article files", accept_multiple_files=True, key=f"up_files_{gen}",
                         max_upload_size=max(1, config.MAX_FILE_BYTES // config.MB))
if st.session_state.pop("up_clear_batch", False):
    # after a save: empty the batch fields so they are not applied by mistake to the next batch
    st.session_state.up_source = ""
    st.session_state.up_date = None
c1, c2 = st.columns(2)
batch_source = c1.text_input("Source for the whole batch (optional)", key="up_source",
                             help="Used only where a file does not name its own outlet.").strip() or None
batch_date = c2.date_input("Publication date for the whole batch (optional)", value=None, key="up_date",
                           min_value=date(1900, 1, 1),
                           help="Used only where a file does not carry its own date.")

# Show the last save's report even after the uploader is cleared.
report = st.session_state.get("up_report")
if report:
    st.subheader("Last upload")
    st.markdown("  \n".join(report["summary"]))
    st.dataframe(pd.DataFrame(report["rows"]), hide_index=True, width="stretch")

if not files:
    if not report:
        st.info("Choose one or more files above. You will see a preview to check and correct before saving.")
    sh.stop()

# ------------------------------------------------------------------ server-side caps
too_big = [(f.name, f.size) for f in files if f.size > config.MAX_FILE_BYTES]
good = [f for f in files if f.size <= config.MAX_FILE_BYTES]
total = sum(f.size for f in good)
for name, size in too_big:
    st.error(f"{sh.md_escape(name, 80)}: {size / config.MB:.1f} MB is over the "
             f"{config.MAX_FILE_BYTES // config.MB} MB per-file limit; skipped.")
if total > config.MAX_BATCH_BYTES:
    st.error(f"This batch is {total / config.MB:.0f} MB, over the {config.MAX_BATCH_BYTES // config.MB} MB limit. "
             "Upload it in smaller batches.")
    sh.stop()
if not good:
    sh.stop()


@st.cache_data(show_spinner="Reading files…", max_entries=4)
def _parse(_payload: list[tuple[str, bytes]], digest: str, source: str | None, published: date | None):
    """read_batch once per distinct batch (digest of names + bytes), not on every rerun."""
    from narratives.ingest import read_batch
    return read_batch(_payload, source=source, published=published)


payload = [(f.name, f.getvalue()) for f in good]
h = hashlib.sha256()
for name, data in payload:
    h.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(data).digest())
digest = h.hexdigest()
try:
    parsed = _parse(payload, digest, batch_source, batch_date)
except Exception as exc:  # read_batch should never raise; still no traceback in the UI
    st.error(f"Could not read this batch: {sh.md_escape(exc, 200)}")
    sh.stop()

articles, rows = [], []
for pf in parsed:
    if pf.error or not pf.articles:
        rows.append({"save": False, "file": pf.file_name, "title": "", "source": "", "published": None,
                     "chars": 0, "problem": pf.error or "no article text found", "already stored": ""})
        continue
    for art in pf.articles:
        articles.append(art)
        rows.append({"save": True, "file": art.file_name or pf.file_name, "title": art.title or "",
                     "source": art.source or "", "published": art.published, "chars": len(art.text or ""),
                     "problem": "", "already stored": ""})

known = sh.known_hashes([a.text or "" for a in articles])
i = 0
for r in rows:
    if r["problem"]:
        continue
    dup = known[i]
    if dup is not None:
        r["already stored"] = f"yes (#{dup})"
        r["save"] = False
    i += 1

st.subheader("Preview")
st.caption(f"{len(articles)} article(s) found in {len(parsed)} file(s). Correct titles, sources and dates "
           "here before saving; untick rows you do not want.")
edited = st.data_editor(
    pd.DataFrame(rows), key=f"up_editor_{digest[:12]}", hide_index=True, width="stretch",
    disabled=["file", "chars", "problem", "already stored"],
    column_config={
        "save": st.column_config.CheckboxColumn("save", help="Store this article"),
        "title": st.column_config.TextColumn("title", width="large"),
        "published": st.column_config.DateColumn("published", format="YYYY-MM-DD"),
    },
)

if st.button("Save to the corpus", type="primary", key="up_save"):
    # Apply the analyst's corrections to the parsed articles, in the same order as the rows.
    to_save, failed_rows = [], []
    i = 0
    for idx, r in enumerate(rows):
        if r["problem"]:
            failed_rows.append({"file": r["file"], "status": "failed", "detail": r["problem"]})
            continue
        art = articles[i]
        i += 1
        e = edited.iloc[idx]
        if not bool(e["save"]):
            failed_rows.append({"file": r["file"], "status": "skipped",
                                "detail": "already stored" if r["already stored"] else "unticked in the preview"})
            continue
        art.title = str(e["title"] or "").strip() or art.title
        art.source = str(e["source"] or "").strip() or None
        pub = e["published"]
        art.published = None if pub is None or pd.isna(pub) else pd.Timestamp(pub).date()
        to_save.append(art)

    store = sh.get_store()
    results = []
    with st.status(f"Saving {len(to_save)} article(s)…", expanded=True) as status:
        bar = st.progress(0.0)
        for n, art in enumerate(to_save, 1):
            try:
                res = store.add_article(art)
            except Exception as exc:  # StoreError: one line, the batch goes on
                from narratives.records import IngestResult
                res = IngestResult(art.file_name or art.title or "article", "failed", message=str(exc))
            results.append(res)
            bar.progress(n / max(1, len(to_save)), text=res.line())
        new = [r for r in results if r.status in ("added", "near_duplicate")]
        if new:
            status.update(label="Assigning new articles to topics…")
            try:
                from narratives import pipeline
                if store.latest_run() is None:
                    pipeline.cluster_corpus(store)
                else:
                    pipeline.assign_new(store)
            except Exception as exc:
                st.warning(f"Saved, but could not assign topics yet: {sh.md_escape(exc, 200)}. "
                           "Re-run clustering on the Topics page.")
        status.update(label=f"Saved: {len(new)} new article(s).", state="complete", expanded=False)
    sh.after_write()

    counts = {s: sum(1 for r in results if r.status == s) for s in ("added", "near_duplicate", "duplicate", "failed")}
    bad = sum(1 for r in failed_rows if r["status"] == "failed")
    summary = [f"**{counts['added']}** added · **{counts['near_duplicate']}** near-duplicates stored · "
               f"**{counts['duplicate']}** exact duplicates skipped · **{counts['failed'] + bad}** failed"]
    report_rows = failed_rows + [
        {"file": r.file_name, "status": r.status.replace("_", "-"),
         "detail": (r.line().split(": ", 1)[1] if ": " in r.line() else r.line())}
        for r in results]
    st.session_state.up_report = {"summary": summary, "rows": report_rows}
    st.session_state.up_gen = gen + 1
    st.session_state.up_clear_batch = True
    st.rerun()
