"""Scans are delivered: the operator attaches the scan file when recording a scan, the renter
views and downloads exactly those bytes from /my (and nobody else can), gets an email, and a
shred deletes the file. Through the real web server (lighttpd, or Apache with
PILOTOMAIL_E2E_SERVER=apache), the real programs and the real folder of scan files."""
import glob
import hashlib
import os
import re

import pytest

from harness import App
from test_mail_charges import ADDRESS, add_mailbox, add_offering, charges, item, record, renter_client, text_of

# Bigger than the 256 KiB every other form may send and than the web server's 2 MiB default.
BIG_PDF = b"%PDF-1.4\n" + bytes(range(256)) * (3 * 4096) + b"\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode" * 50


def scan_files(app):
    """Every file under the scan folder (temporary ones too), relative to it."""
    root = os.path.join(app.dir, "scans")
    return sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "**", "*"), recursive=True)
                  + glob.glob(os.path.join(root, "**", ".tmp-*"), recursive=True) if os.path.isfile(p))


def upload(client, path, data, filename="letter.pdf", ctype="application/pdf", **fields):
    return client.post_multipart(path, fields, {"scan_file": (filename, ctype, data)})


def setup_renters(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(0, "1.00"), shred=(0, "0.50"), forward=(0, "2.00"))
    ada, mbx_a = add_mailbox(app, op.operator_id, off, name="Ada Renter", email="ada@example.com")
    bob, mbx_b = add_mailbox(app, op.operator_id, off, name="Bob Renter", email="bob@example.com")
    return op, off, (ada, mbx_a), (bob, mbx_b)


def snapshot(app):
    return (app.query("SELECT * FROM mail_items ORDER BY id"), app.query("SELECT * FROM action_requests ORDER BY id"),
            app.query("SELECT * FROM charges ORDER BY id"), app.query("SELECT * FROM scans ORDER BY id"),
            app.query("SELECT * FROM outbox ORDER BY id"), scan_files(app))


def test_scan_reaches_its_renter_and_nobody_else(app):
    op, _, (ada, mbx_a), (bob, _) = setup_renters(app)
    item_id = record(op, mbx_a, sender="Harbour Bank")
    rc = renter_client(app, ada)
    assert rc.post("/my/mail/%d/request" % item_id, {"action": "scan"}).status == 303
    req_id = app.query("SELECT id FROM action_requests WHERE mail_item_id = ?", item_id)[0]["id"]

    page = op.get("/mail/%d" % item_id).text
    form = re.search(r'<form[^>]*/actions/%d/complete"[^>]*>' % req_id, page).group(0)
    assert 'enctype="multipart/form-data"' in form
    assert 'id="scan-file"' in page and 'name="scan_file"' in page and "Scan file (PDF or image)" in page

    r = upload(op, "/mail/%d/actions/%d/complete" % (item_id, req_id), BIG_PDF)
    assert r.status == 303, r.text[:500]
    assert "Scan of M-000001 recorded" in text_of(op.get(r.location))
    digest = hashlib.sha256(BIG_PDF).hexdigest()
    rows = app.query("SELECT * FROM scans")
    assert [(s["mail_item_id"], s["sha256"], s["size"], s["content_type"]) for s in rows] == [
        (item_id, digest, len(BIG_PDF), "application/pdf")]
    assert scan_files(app) == ["%d/%s" % (op.operator_id, digest)]
    assert item(app, item_id)["status"] == "scanned" and len(charges(app, op.operator_id)) == 1

    # The renter sees it and gets the same bytes, inline or as a download.
    mine = rc.get("/my/mail").text
    assert "/my/mail/%d/scan" % item_id in mine and "View scan" in mine
    got = rc.get("/my/mail/%d/scan" % item_id)
    assert got.status == 200 and hashlib.sha256(got.body).hexdigest() == digest
    assert got.header("Content-Type") == "application/pdf"
    assert got.header("Content-Disposition") == 'inline; filename="M-000001-scan.pdf"'
    assert got.header("X-Content-Type-Options") == "nosniff"
    assert "default-src 'none'" in got.header("Content-Security-Policy")
    dl = rc.get("/my/mail/%d/scan/download" % item_id)
    assert dl.status == 200 and dl.body == BIG_PDF
    assert dl.header("Content-Disposition") == 'attachment; filename="M-000001-scan.pdf"'
    # The operator too, from the item page.
    assert "/mail/%d/scan/download" % item_id in op.get("/mail/%d" % item_id).text
    assert op.get("/mail/%d/scan" % item_id).body == BIG_PDF

    # Another renter of the same operator, another operator, nobody signed in: nothing.
    other = renter_client(app, bob)
    for path in ("/my/mail/%d/scan" % item_id, "/my/mail/%d/scan/download" % item_id):
        r = other.get(path)
        assert r.status == 404 and b"%PDF" not in r.body and "M-000001" not in r.text
    stranger = app.new_operator()
    assert stranger.get("/mail/%d/scan" % item_id).status == 404
    assert app.client().get("/my/mail/%d/scan" % item_id).status in (303, 403)
    assert other.get("/mail/%d/scan" % item_id).status in (303, 403)

    # The renter's email, through the outbox.
    app.worker_once()
    mails = [open(p, "rb").read().decode("utf-8", "replace") for p in glob.glob(os.path.join(app.mail_dir, "*.eml"))]
    ready = [m for m in mails if "Your scan of M-000001 is ready" in m]
    assert len(ready) == 1 and "To: ada@example.com" in ready[0].replace("\r\n", "\n")
    assert "/my/mail/%d/scan" % item_id in ready[0].replace("=\r\n", "")


def test_a_renamed_program_is_refused_and_nothing_changes(app):
    op, _, (ada, mbx_a), _ = setup_renters(app)
    item_id = record(op, mbx_a)
    before = snapshot(app)
    r = upload(op, "/mail/%d/actions" % item_id, EXE, filename="letter.pdf", ctype="application/pdf", action="scan")
    assert r.status == 415
    assert "not a PDF, PNG, JPEG or WebP image" in text_of(r) and "Nothing was saved" in text_of(r)
    # No file chosen at all.
    r = upload(op, "/mail/%d/actions" % item_id, b"", filename="", ctype="application/octet-stream", action="scan")
    assert r.status == 422 and "Choose the scan file" in text_of(r)
    assert snapshot(app) == before
    assert all(not f.startswith("%d/.tmp" % op.operator_id) for f in scan_files(app))


def test_only_the_upload_routes_take_a_big_body(app):
    op, _, _, _ = setup_renters(app)
    before = snapshot(app)
    r = op.post_multipart("/spaces", {"name": "Big"}, {"scan_file": ("a.pdf", "application/pdf", BIG_PDF)})
    assert r.status == 413
    r = op.post("/spaces", {"name": "x" * (600 * 1024)})
    assert r.status == 413
    assert snapshot(app) == before and app.query("SELECT COUNT(*) AS n FROM spaces")[0]["n"] == 0


@pytest.fixture
def small_cap_app(request):
    a = App(env={"PILOTOMAIL_SCAN_MAX_BYTES": "100000"}).start()
    yield a
    a.stop()


def test_an_oversize_scan_is_refused_and_nothing_changes(small_cap_app):
    app = small_cap_app
    op, _, _, _ = setup_renters(app)
    mbx = app.query("SELECT id FROM mailboxes WHERE operator_id = ? ORDER BY id", op.operator_id)[0]["id"]
    item_id = record(op, mbx)
    before = snapshot(app)
    r = upload(op, "/mail/%d/actions" % item_id, b"%PDF-1.4\n" + b"0" * 150000, action="scan")
    assert r.status == 413
    assert "The file is 147 KiB: a scan may have at most 98 KiB" in text_of(r)
    # Past what the program reads at all: refused before the body is read.
    r = upload(op, "/mail/%d/actions" % item_id, BIG_PDF, action="scan")
    assert r.status == 413 and "at most 98 KiB" in r.text
    assert snapshot(app) == before


def test_shred_deletes_the_file_once_no_item_uses_it(app):
    op, _, (ada, mbx_a), _ = setup_renters(app)
    first, second = record(op, mbx_a), record(op, mbx_a)
    small = b"\x89PNG\r\n\x1a\n" + b"image bytes" * 100
    for item_id in (first, second):
        r = upload(op, "/mail/%d/actions" % item_id, small, filename="scan.png", ctype="image/png", action="scan")
        assert r.status == 303, r.text[:300]
    digest = hashlib.sha256(small).hexdigest()
    assert scan_files(app) == ["%d/%s" % (op.operator_id, digest)]  # the same bytes, stored once
    rc = renter_client(app, ada)
    assert rc.get("/my/mail/%d/scan" % first).header("Content-Type") == "image/png"

    # Shredding the first item drops its scan; the second still uses the file.
    r = op.post("/mail/%d/actions" % first, {"action": "shred"})
    assert r.status == 303
    assert rc.get("/my/mail/%d/scan" % first).status == 404
    assert scan_files(app) == ["%d/%s" % (op.operator_id, digest)]
    assert rc.get("/my/mail/%d/scan" % second).body == small
    # Removing the second one's scan deletes the file.
    r = op.post("/mail/%d/scan/delete" % second, {})
    assert r.status == 303
    assert scan_files(app) == []
    assert rc.get("/my/mail/%d/scan" % second).status == 404
    # The item stays scanned; a file can be attached again, and the renter is told again.
    page = op.get("/mail/%d" % second).text
    assert 'action="/mail/%d/scan"' % second in page
    r = upload(op, "/mail/%d/scan" % second, BIG_PDF)
    assert r.status == 303
    assert rc.get("/my/mail/%d/scan/download" % second).body == BIG_PDF
    assert app.query("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'scan_ready'")[0]["n"] == 3


def test_a_renter_shred_request_done_deletes_the_scan(app):
    op, _, (ada, mbx_a), _ = setup_renters(app)
    item_id = record(op, mbx_a)
    assert upload(op, "/mail/%d/actions" % item_id, BIG_PDF, action="scan").status == 303
    rc = renter_client(app, ada)
    r = rc.post("/my/mail/%d/request" % item_id, {"action": "shred", "confirm": "yes"})
    assert r.status == 303
    req_id = app.query("SELECT id FROM action_requests WHERE action = 'shred'")[0]["id"]
    assert op.post("/mail/%d/actions/%d/complete" % (item_id, req_id), {}).status == 303
    assert scan_files(app) == [] and app.query("SELECT * FROM scans") == []
    assert rc.get("/my/mail/%d/scan" % item_id).status == 404
