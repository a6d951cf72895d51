"""OfficeRnD plans and locations by name on the Activity and mailbox pages (not by id), with the
"not linked" reasons linking to the card's mapping row, and the id shown when no name is known.
Real simulator, real worker (which caches the plan and location lists), real web server."""
import html
import re

from test_webhooks import (env, membership, new_id, now_ms, LOC_UNLINKED,  # noqa: F401 (fixture)
                           PLAN_UNLINKED)

CARD = "/settings/integrations/officernd"
UNKNOWN_LOC = "65a1f0c2e4b0a1b2c3d4e0ff"  # in no list OfficeRnD gave


def text(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_activity_and_mailbox_show_names_with_links_to_the_mapping_row(env):
    located, unplanned = new_id(), new_id()
    env.event("membership.created", membership(located, now_ms(), location=LOC_UNLINKED))
    env.event("membership.created", membership(unplanned, now_ms(), plan=PLAN_UNLINKED))
    env.app.worker_once()  # applies both, and caches OfficeRnD's plans and locations
    assert env.app.query("SELECT name FROM officernd_locations WHERE location_id = ?", LOC_UNLINKED)

    page = env.op.get("/activity").text
    shown = text(page)
    assert "location \u201cRiverside\u201d is not linked to a space" in shown
    assert "Plan \u201cHot Desk\u201d is not linked to a mailbox offering" in shown
    assert LOC_UNLINKED not in shown and PLAN_UNLINKED not in shown
    assert 'href="%s#location-%s"' % (CARD, LOC_UNLINKED) in page
    assert 'href="%s#plan-%s"' % (CARD, PLAN_UNLINKED) in page
    # A mailbox made without a space says so in words.
    assert "space none" not in shown and "and no space yet" in shown

    [mb] = env.mailboxes(located)
    page = env.op.get("/mailboxes/%d" % mb["id"]).text
    shown = text(page)
    assert "Needs attention: Location \u201cRiverside\u201d is not linked to a space" in shown
    assert 'href="%s#location-%s"' % (CARD, LOC_UNLINKED) in page
    assert re.search(r'id="mailbox-location">Riverside<', page)
    assert "\u201cRiverside\u201d is not linked" in text(env.op.get("/mailboxes").text)


def test_unknown_ids_are_shown_as_ids(env):
    mid = new_id()
    env.event("membership.created", membership(mid, now_ms(), location=UNKNOWN_LOC))
    env.app.worker_once()
    page = env.op.get("/activity").text
    assert "location %s is not linked to a space" % UNKNOWN_LOC in text(page)
    assert 'href="%s#location-%s"' % (CARD, UNKNOWN_LOC) in page
    [mb] = env.mailboxes(mid)
    assert re.search(r'id="mailbox-location">%s<' % UNKNOWN_LOC, env.op.get("/mailboxes/%d" % mb["id"]).text)
