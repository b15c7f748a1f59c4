"""Upload page through AppTest's file_uploader: good files are stored, broken ones get their message."""
from __future__ import annotations

import io
import zipfile

from app_paths import SAMPLE_FILES


def _open_upload(at):
    at.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _report_text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_upload_good_and_broken_file(empty_app, fresh_db):
    from narratives.store import Store
    at = _open_upload(empty_app)
    good = SAMPLE_FILES[0]
    at.file_uploader[0].set_value([
        (good.name, good.read_bytes(), "text/plain"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "application/pdf"),
    ]).run()
    assert not at.exception, [e.value for e in at.exception]
    preview = at.get("arrow_data_editor") or at.get("data_editor")
    assert preview, "a preview table appears before saving"
    at.button(key="up_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store(fresh_db)
    assert store.count() == 1
    report = at.dataframe[0].value
    by_file = dict(zip(report["file"], report["status"]))
    assert by_file[good.name] == "added"
    assert by_file["broken.pdf"] == "failed"
    assert report.loc[report["file"] == "broken.pdf", "detail"].iloc[0]  # a reason is shown
    assert "**1** added" in _report_text(at)
    # first upload into an empty store clusters it, so charts show topics at once
    assert store.latest_run() is not None


def test_upload_zip_with_batch_source_and_duplicate(empty_app, fresh_db):
    from narratives.store import Store
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in SAMPLE_FILES[:3]:
            zf.writestr(f"batch/{p.name}", p.read_bytes())
    at = _open_upload(empty_app)
    at.text_input(key="up_source").input("Batch Wire")
    at.file_uploader[0].set_value([("three.zip", buf.getvalue(), "application/zip")]).run()
    at.button(key="up_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    store = Store(fresh_db)
    assert store.count() == 3
    assert "Batch Wire" in set(store.frame()["source"].dropna())  # filled in where a file named no outlet
    # the same file again: the preview flags it as already stored and nothing new is written
    at.file_uploader[0].set_value([(SAMPLE_FILES[0].name, SAMPLE_FILES[0].read_bytes(), "text/plain")]).run()
    assert not at.exception
    at.button(key="up_save").click().run()
    assert Store(fresh_db).count() == 3


def test_oversized_file_is_refused_on_the_server(empty_app, fresh_db, monkeypatch):
    from narratives import config
    from narratives.store import Store
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 100)
    at = _open_upload(empty_app)
    at.file_uploader[0].set_value([("big.txt", b"word " * 100, "text/plain")]).run()
    assert not at.exception
    assert any("per-file limit" in e.value for e in at.error)
    assert Store(fresh_db).count() == 0
