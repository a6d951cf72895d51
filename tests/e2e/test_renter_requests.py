"""Renter requests that cannot go wrong: the price and the free ones left are shown before asking,
a shred is confirmed on a page of its own (no script), a forward asks for the address and keeps
the last one, and conflicting requests on one item are refused with a plain sentence and no
change. Through the real web server and programs."""
import re

from test_mail_charges import ADDRESS, add_mailbox, add_offering, record, renter_client, text_of


def requests_of(app, item_id):
    return [(q["action"], q["state"]) for q in
            app.query("SELECT * FROM action_requests WHERE mail_item_id = ? ORDER BY id", item_id)]


def make_renter(app):
    op = app.new_operator()
    off = add_offering(op, app, scan=(1, "1.50"), forward=(0, "4.00"), shred=(0, "0"), recycle=(0, "0.25"))
    renter, mbx = add_mailbox(app, op.operator_id, off, name="Ada Renter")
    return op, renter, mbx


def test_price_and_free_ones_left_are_shown_before_asking(app):
    op, renter, mbx = make_renter(app)
    first, second = record(op, mbx), record(op, mbx)
    rc = renter_client(app, renter)
    page = text_of(rc.get("/my/mail"))
    assert "Free: 1 of your 1 free this month left, then 1.50 USD." in page
    assert "4.00 USD plus postage." in page and "Included in your plan." in page and "0.25 USD." in page
    assert rc.post("/my/mail/%d/request" % first, {"action": "scan"}).status == 303
    # The one free scan is asked for: the next one is charged, and the page says so first.
    page = text_of(rc.get("/my/mail"))
    assert "1.50 USD: your 1 free this month are used." in page
    step = re.sub(r"<[^>]+>", "", text_of(rc.get("/my/mail/%d/request?action=scan" % second)))
    assert "Price: 1.50 USD: your 1 free this month are used." in step


def test_a_shred_is_confirmed_first(app):
    op, renter, mbx = make_renter(app)
    item_id = record(op, mbx)
    rc = renter_client(app, renter)
    page = rc.get("/my/mail").text
    assert 'href="/my/mail/%d/request?action=shred"' % item_id in page
    # Without the confirmation nothing happens.
    r = rc.post("/my/mail/%d/request" % item_id, {"action": "shred"})
    assert r.status == 422 and "Confirm the shredding" in text_of(r)
    assert requests_of(app, item_id) == []
    step = rc.get("/my/mail/%d/request?action=shred" % item_id)
    assert step.status == 200 and "cannot be undone" in text_of(step) and "Yes, shred M-000001" in text_of(step)
    # The confirmation is a page and a form, not a script: no inline script (the CSP forbids it).
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", step.text))
    form = re.search(r'<form method="post" action="/my/mail/%d/request"[^>]*>(.*?)</form>' % item_id,
                     step.text, re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert fields["action"] == "shred" and fields["confirm"] == "yes"
    r = rc.post("/my/mail/%d/request" % item_id, {"action": "shred", "confirm": "yes"})
    assert r.status == 303
    assert requests_of(app, item_id) == [("shred", "requested")]


def test_forward_asks_the_address_and_keeps_the_last_one(app):
    op, renter, mbx = make_renter(app)
    first, second = record(op, mbx), record(op, mbx)
    rc = renter_client(app, renter)
    step = rc.get("/my/mail/%d/request?action=forward" % first)
    assert 'id="forward-address"' in step.text and 'name="forward_address"' in step.text
    assert "Ada Lovelace" not in step.text
    # No address: refused, nothing asked.
    r = rc.post("/my/mail/%d/request" % first, {"action": "forward", "forward_address": "  "})
    assert r.status == 422 and "Enter the address to forward the item to" in text_of(r)
    assert requests_of(app, first) == []
    r = rc.post("/my/mail/%d/request" % first, {"action": "forward", "forward_address": ADDRESS})
    assert r.status == 303
    assert requests_of(app, first) == [("forward", "requested")]
    # The operator sees where it goes; the next forward starts from the same address.
    assert "12 St James&#39;s Square" in op.get("/mail/%d" % first).text
    step = rc.get("/my/mail/%d/request?action=forward" % second).text
    assert "12 St James&#39;s Square" in step and "The address you used last time" in step
    assert "12 St James&#39;s Square" in rc.get("/my/mail").text


def test_conflicting_requests_are_refused_and_change_nothing(app):
    op, renter, mbx = make_renter(app)
    forwarded, shredded = record(op, mbx), record(op, mbx)
    rc = renter_client(app, renter)
    assert rc.post("/my/mail/%d/request" % forwarded, {"action": "forward", "forward_address": ADDRESS}).status == 303
    r = rc.post("/my/mail/%d/request" % forwarded, {"action": "shred", "confirm": "yes"})
    assert r.status == 409
    assert "You already asked for forwarding of M-000001: it cannot also have shredding." in text_of(r)
    r = rc.post("/my/mail/%d/request" % forwarded, {"action": "recycle"})
    assert r.status == 409
    assert requests_of(app, forwarded) == [("forward", "requested")]
    # The page offers only what can still be asked: scanning, not shredding or recycling.
    step = text_of(rc.get("/my/mail/%d/request?action=shred" % forwarded))
    assert "cannot also have shredding" in step and "Yes, shred" not in step

    assert rc.post("/my/mail/%d/request" % shredded, {"action": "shred", "confirm": "yes"}).status == 303
    for action, extra in (("scan", {}), ("forward", {"forward_address": ADDRESS})):
        r = rc.post("/my/mail/%d/request" % shredded, dict(action=action, **extra))
        assert r.status == 409 and "You asked for M-000002 to be shredded" in text_of(r)
    assert requests_of(app, shredded) == [("shred", "requested")]
    mine = rc.get("/my/mail").text
    assert "/my/mail/%d/request?action=shred" % forwarded not in mine
    assert 'action="/my/mail/%d/request"' % shredded not in mine
