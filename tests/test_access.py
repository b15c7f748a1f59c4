"""Who may write: read-only mode, sign-in (Streamlit's st.login / st.user) for uploads and edits, and the
upload caps, all enforced on the server (the store refuses, not only the page hiding a button)."""
from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_paths import APP, ROOT, SAMPLE_FILES
from narratives.errors import StoreError
from narratives.records import Article

ARTICLE_PARAM = "id"   # views/articles.py opens ?id=N

FORCED_WRITE = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from views import _shared as sh
from narratives.records import Article
store = sh.get_store()
st.text(f"read_only={{store.read_only}}")
for name, call in [("add", lambda: store.add_article(Article(title="Forced", text="A forced write of one line."))),
                   ("rename", lambda: store.rename_cluster("topic", 0, "Forced label")),
                   ("update", lambda: store.update_article(1, title="Forced"))]:
    try:
        call()
        st.text(f"{{name}}: written")
    except Exception as exc:
        st.text(f"{{name}}: refused: {{type(exc).__name__}}: {{exc}}")
"""


def _page(at, page: str):
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at) -> str:
    return " ".join(t.value for t in at.text)


# ---------------------------------------------------------------- read-only mode
def test_read_only_has_no_upload_page_and_no_edit_controls(seeded_app, seeded_db, monkeypatch):
    from narratives.store import Store
    monkeypatch.setenv("NARRATIVES_READ_ONLY", "1")
    before = Store(seeded_db).version()
    at = seeded_app.run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):   # not in the navigation
        at.switch_page("views/upload.py")
    assert not at.file_uploader
    assert not [b for b in at.button if b.key in ("up_save", "sign_in")]
    assert any("Read-only mode" in c.value for c in at.sidebar.caption)
    _page(at, "views/topics.py")
    assert not [w for w in list(at.text_input) + list(at.button) + list(at.selectbox)
                if w.key and w.key.startswith("tp_")]
    at.query_params[ARTICLE_PARAM] = "1"
    _page(at, "views/articles.py")
    assert any("#1" in m.value or "URL:" in m.value for m in list(at.caption) + list(at.text)), "article shown"
    assert not [t for t in at.text_input if t.label in ("Title", "Source", "URL")]
    assert Store(seeded_db).version() == before
    # the same article page with writing allowed does show the edit form (the check above is not vacuous)
    monkeypatch.delenv("NARRATIVES_READ_ONLY")
    _page(at, "views/articles.py")
    assert [t for t in at.text_input if t.label in ("Title", "Source", "URL")]


def test_read_only_refuses_a_forced_write_at_the_store(seeded_db, monkeypatch):
    from narratives.store import Store
    monkeypatch.setenv("NARRATIVES_DB", seeded_db)
    monkeypatch.setenv("NARRATIVES_READ_ONLY", "1")
    before = Store(seeded_db).count(), Store(seeded_db).version()
    at = AppTest.from_string(FORCED_WRITE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    out = _texts(at)
    assert "read_only=True" in out
    for name in ("add", "rename", "update"):
        assert f"{name}: refused: StoreError: read-only" in out, out
    assert (Store(seeded_db).count(), Store(seeded_db).version()) == before
    # and the same script without read-only mode writes (the check above is not vacuous)
    monkeypatch.delenv("NARRATIVES_READ_ONLY")
    import streamlit as st
    st.cache_resource.clear()
    out = _texts(AppTest.from_string(FORCED_WRITE, default_timeout=60).run())
    assert "read_only=False" in out and "add: written" in out


def test_read_only_store_handle():
    import tempfile

    from narratives.store import Store
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{d}/ro.db"
        Store(url).add_article(Article(title="T", text="One stored article about the harbour."))
        ro = Store(url, read_only=True)
        assert ro.count() == 1 and ro.search("harbour")     # reads work
        for call in (lambda: ro.add_article(Article(title="x", text="another text entirely here")),
                     lambda: ro.delete_article(1), lambda: ro.start_run({}),
                     lambda: ro.rename_cluster("topic", 1, "x"), lambda: ro.merge_clusters("topic", 1, 2)):
            with pytest.raises(StoreError, match="read-only"):
                call()
        assert Store(url).count() == 1


# ---------------------------------------------------------------- sign-in (OpenID Connect via st.login)
@pytest.mark.parametrize("how", ["env", "secrets"])
def test_signed_out_users_get_a_sign_in_prompt_instead_of_controls(seeded_app, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("NARRATIVES_AUTH", "oidc")
    else:
        seeded_app.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                                      "cookie_secret": "test-only", "client_id": "x", "client_secret": "y",
                                      "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    seeded_app.user = {"is_logged_in": False}
    at = _page(seeded_app, "views/upload.py")
    assert not at.file_uploader
    assert [b for b in at.button if b.key == "up_signin"] and any("Sign in" in i.value for i in at.info)
    assert [b for b in at.sidebar.button if b.key == "sign_in"]
    _page(at, "views/topics.py")
    assert [b for b in at.button if b.key == "tp_signin"]
    assert not [w for w in list(at.text_input) + list(at.selectbox) if w.key and w.key.startswith("tp_")]
    assert not [b for b in at.button if b.key in ("tp_refit", "tp_merge_btn")]


def test_signed_out_session_store_refuses_writes(seeded_db, monkeypatch):
    monkeypatch.setenv("NARRATIVES_DB", seeded_db)
    monkeypatch.setenv("NARRATIVES_AUTH", "oidc")
    at = AppTest.from_string(FORCED_WRITE, default_timeout=60)
    at.user = {"is_logged_in": False}
    out = _texts(at.run())
    assert "read_only=True" in out and "add: refused: StoreError: read-only" in out


def test_signed_in_users_can_upload_and_edit(seeded_app, seeded_db, monkeypatch):
    from narratives.store import Store
    monkeypatch.setenv("NARRATIVES_AUTH", "oidc")
    seeded_app.user = {"is_logged_in": True, "email": "analyst@example.org", "name": "Analyst"}
    at = _page(seeded_app, "views/upload.py")
    assert at.file_uploader and not [b for b in at.button if b.key == "up_signin"]
    assert any("analyst@example.org" in c.value for c in at.sidebar.caption)
    _page(at, "views/topics.py")
    key = int(Store(seeded_db).clusters(kind="topic")[0].key)
    at.text_input(key=f"tp_label_{key}").input("Signed-in label")
    at.button(key=f"tp_rename_{key}").click().run()
    assert not at.exception
    assert "Signed-in label" in {c.label for c in Store(seeded_db).clusters(kind="topic")}


def test_secrets_example_documents_auth_and_real_secrets_are_ignored():
    example = ROOT / ".streamlit" / "secrets.toml.example"
    auth = tomllib.loads(example.read_text())["auth"]
    for k in ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"):
        assert k in auth
    assert auth["redirect_uri"].endswith("/oauth2callback")
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored
    req = (ROOT / "requirements.txt").read_text().lower()
    assert "authlib==" in req      # st.login needs Authlib


# ---------------------------------------------------------------- upload caps, on the server
def test_batch_cap_refuses_the_batch_on_the_server(empty_app, fresh_db, monkeypatch):
    from narratives import config
    from narratives.store import Store
    monkeypatch.setattr(config, "MAX_BATCH_BYTES", 2 * 1024)        # each file is under the per-file cap
    at = _page(empty_app, "views/upload.py")
    files = [(p.name, p.read_bytes(), "text/plain") for p in SAMPLE_FILES]
    assert all(len(d) <= config.MAX_FILE_BYTES for _, d, _ in files) and sum(len(d) for _, d, _ in files) > 2048
    at.file_uploader[0].set_value(files).run()
    assert not at.exception
    assert any("over the" in e.value and "limit" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "up_save"]
    assert Store(fresh_db).count() == 0


def test_caps_are_configurable_and_enforced_by_the_cli(tmp_path):
    from reliability_helpers import cli, plain_articles
    d = tmp_path / "in"
    d.mkdir()
    for name, data in plain_articles(3).items():
        (d / name).write_bytes(data)
    (d / "huge.txt").write_bytes(b"Huge\n\n" + b"word " * (300 * 1024))   # 1.5 MB
    p = cli(f"sqlite:///{tmp_path / 'c.db'}", "ingest", str(d), NARRATIVES_MAX_FILE_MB="1")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "in/huge.txt: failed: file too large" in p.stdout
    assert p.stdout.count(": added #") == 3


def test_server_upload_limit_covers_the_widget_cap():
    """Streamlit's own server.maxUploadSize (MB) must be >= the per-file cap, or big files die with a 413."""
    from narratives import config
    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert conf["server"]["maxUploadSize"] >= config.MAX_FILE_BYTES // config.MB
    src = (ROOT / "views" / "upload.py").read_text()
    assert "max_upload_size=" in src and "config.MAX_BATCH_BYTES" in src and "f.size > config.MAX_FILE_BYTES" in src
