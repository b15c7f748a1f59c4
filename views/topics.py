"""Topics: the topic and stance clusters of the latest run; rename, merge, and re-run clustering.

Renames and merges are stored against stable cluster keys, so they survive refits (narratives.pipeline
matches new clusters to old ones). Clustering runs only when the analyst asks for it here.
"""
from __future__ import annotations

import streamlit as st

from views import _shared as sh

st.title("Topics")

frame = sh.full_frame()
if sh.empty_state(frame, frame):
    sh.stop()
store = sh.get_store()
topics = sorted(sh.clusters("topic"), key=lambda c: -c.size)
stances = sh.clusters("stance")
editable = sh.can_edit()
if not editable and not sh.read_only():
    sh.edit_gate("rename, merge or re-cluster topics", key="tp_signin")
run = store.latest_run()

if run is None or not topics:
    sh.no_clusters_note()
else:
    st.caption(f"Clustering run #{run.id} of {run.created_at:%Y-%m-%d %H:%M} · {len(topics)} topics · "
               f"{len(frame):,} articles stored")

titles = dict(zip(frame["id"].astype(int), frame["title"]))
by_topic: dict[int, list] = {}
for s in stances:
    by_topic.setdefault(int(s.topic_key) if s.topic_key is not None else -1, []).append(s)


def _rename(kind: str, key: int, widget: str, topic_key=None) -> None:
    label = (st.session_state.get(widget) or "").strip()
    try:
        store.rename_cluster(kind, key, label, topic_key=topic_key)
    except Exception as exc:
        st.session_state.tp_error = f"Rename failed: {exc}"
        return
    sh.after_write()
    st.session_state.tp_done = (f"Renamed {kind} {key} to “{label}”." if label
                                else f"Restored the automatic label of {kind} {key}.")


for msg_key, fn in (("tp_done", st.success), ("tp_error", st.error)):
    msg = st.session_state.pop(msg_key, None)
    if msg:
        fn(sh.md_escape(msg, 300))

for t in topics:
    key = int(t.key)
    with st.container(border=True):
        head = f"**{key} · {sh.md_escape(t.label, 100)}** — {sh.plural(t.size, 'article')}"
        if t.size < sh.THIN:
            head += " · _thin_"
        if t.custom:
            head += f"  \n_automatic label: {sh.md_escape(t.auto_label, 100)}_"
        st.markdown(head)
        st.caption("Top terms: " + sh.md_escape(", ".join(t.terms[:12]), 300))
        reps = [f"#{i} {sh.md_escape(titles.get(int(i), ''), 100)}" for i in t.representative_ids[:3]]
        if reps:
            st.caption("Representative articles:  \n" + "  \n".join(reps))
        ts = by_topic.get(key, [])
        if ts:
            st.markdown("Stances: " + " · ".join(
                f"**{int(s.key)}** {sh.md_escape(s.label, 60)} ({s.size})" for s in sorted(ts, key=lambda s: -s.size)))
        if editable:
            with st.expander(f"Rename topic {key} or its stances"):
                w = f"tp_label_{key}"
                st.text_input(f"New label for topic {key}", value=t.label if t.custom else "", key=w,
                              placeholder=t.auto_label, help="Empty = go back to the automatic label.")
                st.button(f"Rename topic {key}", key=f"tp_rename_{key}", on_click=_rename, args=("topic", key, w))
                for s in ts:
                    ws = f"tp_slabel_{int(s.key)}"
                    a, b = st.columns([4, 1], vertical_alignment="bottom")
                    a.text_input(f"Label for stance {int(s.key)}", value=s.label if s.custom else "", key=ws,
                                 placeholder=s.auto_label)
                    b.button("Rename", key=f"tp_srename_{int(s.key)}", on_click=_rename,
                             args=("stance", int(s.key), ws, key))

if editable and len(topics) >= 2:
    st.subheader("Merge two topics")
    keys = [int(t.key) for t in topics]
    names = {int(t.key): t.label for t in topics}
    a, b, c = st.columns([3, 3, 1], vertical_alignment="bottom")
    keep = a.selectbox("Keep topic", keys, key="tp_keep", format_func=lambda k: f"{k} · {names[k]}")
    merge = b.selectbox("Merge into it", [k for k in keys if k != keep], key="tp_merge",
                        format_func=lambda k: f"{k} · {names[k]}")
    if c.button("Merge", key="tp_merge_btn") and merge is not None:
        try:
            store.merge_clusters("topic", keep, merge)
        except Exception as exc:
            st.error(f"Merge failed: {sh.md_escape(exc, 200)}")
        else:
            sh.after_write()
            st.session_state.tp_done = f"Merged topic {merge} into {keep}; this carries over to later re-clusterings."
            st.rerun()

if editable:
    st.subheader("Re-run clustering")
    st.caption("Fits topics and stances again on all stored articles. Labels you gave and merges carry over "
               "to the matching new clusters.")
    a, b, c = st.columns([2, 2, 2], vertical_alignment="bottom")
    auto = a.checkbox("Choose the number of topics automatically", value=True, key="tp_auto")
    n = b.number_input("Number of topics", min_value=2, max_value=100, step=1, key="tp_n", disabled=auto,
                       value=min(100, max(2, len(topics))) if topics else 8)   # starts from the current run
    if c.button("Re-run clustering", type="primary", key="tp_refit"):
        from narratives.pipeline import cluster_corpus
        with st.status("Clustering…", expanded=True) as status:
            bar = st.progress(0.0)

            def _progress(*args) -> None:
                """The pipeline calls progress(stage, fraction); (done, total) is tolerated too."""
                try:
                    if len(args) >= 2 and isinstance(args[0], str):
                        frac, text = float(args[1]), args[0]
                    elif len(args) >= 2 and isinstance(args[1], (int, float)) and not isinstance(args[1], bool):
                        frac, text = float(args[0]) / max(1.0, float(args[1])), (args[2] if len(args) > 2 else None)
                    else:
                        frac, text = float(args[0]), (args[1] if len(args) > 1 else None)
                    bar.progress(min(1.0, max(0.0, frac)), text=None if text is None else str(text)[:120])
                except (TypeError, ValueError, IndexError):
                    pass
            try:
                rid = cluster_corpus(store, n_topics="auto" if auto else int(n), progress=_progress)
            except Exception as exc:
                status.update(label="Clustering failed", state="error")
                st.error(f"Clustering failed: {sh.md_escape(exc, 300)}")
            else:
                status.update(label=f"Clustering run #{rid} done.", state="complete", expanded=False)
                sh.after_write()
                st.session_state.tp_done = f"Clustering run #{rid} done."
                st.rerun()
