"""Topics page: rename shows the new label everywhere; merge; read-only hides the controls."""
from __future__ import annotations


def _open_topics(at):
    at.run()
    at.switch_page("views/topics.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_rename_topic_shows_new_label(seeded_app, seeded_db):
    from narratives.store import Store
    at = _open_topics(seeded_app)
    key = int(Store(seeded_db).clusters(kind="topic")[0].key)
    at.text_input(key=f"tp_label_{key}").input("Trafficking <b>row</b>")
    at.button(key=f"tp_rename_{key}").click().run()
    assert not at.exception
    md = " ".join(m.value for m in at.markdown)
    assert "Trafficking \\<b\\>row\\</b\\>" in md   # shown as text, not HTML
    assert Store(seeded_db).frame().query("topic == @key")["topic_label"].iloc[0] == "Trafficking <b>row</b>"
    # the new label reaches the other pages without a restart
    at.switch_page("views/overview.py").run()
    assert "Trafficking <b>row</b>" in set(at.dataframe[0].value["label"])   # the topic table (text cells)
    assert any(o.startswith(f"{key} · Trafficking <b>row</b>") for o in at.selectbox(key="ov_topic").options)


def test_merge_two_topics(seeded_app, seeded_db):
    from narratives.store import Store
    at = _open_topics(seeded_app)
    before = {int(c.key) for c in Store(seeded_db).clusters(kind="topic")}
    if len(before) < 2:
        return
    at.button(key="tp_merge_btn").click().run()
    assert not at.exception
    after = {int(c.key) for c in Store(seeded_db).clusters(kind="topic")}
    assert len(after) == len(before) - 1
    assert any("Merged topic" in s.value for s in at.success)


def test_refit_starts_from_the_current_number_of_topics(seeded_app, seeded_db):
    """Unticking "automatically" offers the current run's number of topics, not an arbitrary 8."""
    from narratives.store import Store
    n = len(Store(seeded_db).clusters(kind="topic"))
    at = _open_topics(seeded_app)
    assert at.number_input(key="tp_n").value == max(2, n) != 8
    assert "article" in " ".join(m.value for m in at.markdown)
    assert " 1 articles" not in " ".join(m.value for m in at.markdown)
