"""`make demo`: connects the demo operator to the running OfficeRnD simulator, the way an
operator would, through pilotomail's own pages: sign in, add spaces and offerings, fill the
OfficeRnD card (organization, client id/secret, billing, mapping), save, and press "Register
webhook in OfficeRnD" (the one-click path: the demo's OfficeRnD application is first given the
webhook scopes, as an operator ticks them when creating it). Its last
line is a curl that creates a membership in the simulator (conf/run.sh shows it in the banner).
Run again (a second `make demo`, with var/ and the simulator's state kept), it adds nothing twice:
existing spaces and offerings are kept, and registering again adopts the webhook already there.

usage: demo_setup.py BASE_URL SIM_URL EMAIL PASSWORD
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from harness import Client  # noqa: E402
from simctl import WEBHOOK_SCOPES, http  # noqa: E402

SEED = json.load(open(os.path.join(os.path.dirname(__file__), "seed.json")))
ORG = SEED["orgs"][0]


def by_name(items, name):
    return next(i["_id"] for i in items if i["name"] == name)


def option_ids(page, select_name):
    """The (value, label) pairs of the <select name=...> of the card's row templates: they hold
    every choice (a saved row's select carries only its own)."""
    page = page[page.find('<template id='):]
    m = re.search(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % select_name, page, re.S)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', m.group(1)) if m else []


def main(base, sim_url, email, password):
    c = Client(base)
    c.login(email, password)
    before = c.get("/settings/integrations/officernd").text
    have = set(label for _, label in option_ids(before, "space_id") + option_ids(before, "offering_id"))
    for name in ("Downtown Hub", "Riverside"):
        if name not in have:
            c.post("/spaces", {"name": name})
    offering = {"name": "Virtual Mailbox", "monthly_price": "25.00",
                "storage_free_days": "30", "storage_fee_per_day": "0.50"}
    for action, free, fee in (("scan", "5", "2.00"), ("forward", "2", "3.50"), ("shred", "10", "1.00"),
                              ("recycle", "10", "0.00"), ("pickup", "0", "0.00")):
        offering.update({action + "_enabled": "1", action + "_free": free, action + "_fee": fee})
    premium = dict(offering, name="Premium Mailbox", monthly_price="49.00", scan_free="20")
    for o in (offering, premium):
        if o["name"] not in have:
            c.post("/offerings", o)

    # The seed's application has the seven scopes of the facts sheet; the demo's also manages
    # webhooks (flex.settings.webhooks.*), so the card's one-click registration works.
    client = next(cl for cl in SEED["clients"] if cl["client_id"] == "demo-client")
    http("POST", sim_url + "/_sim/clients", body=dict(client, scopes=client["scopes"] + WEBHOOK_SCOPES))
    card = c.get("/settings/integrations/officernd").text
    spaces = dict((label, value) for value, label in option_ids(card, "space_id") if value)
    offerings = dict((label, value) for value, label in option_ids(card, "offering_id") if value)
    form = [("org_slug", "https://app.officernd.com/admin/" + ORG["slug"]),
            ("client_id", "demo-client"), ("client_secret", "demo-secret"),
            ("bill_renters", "1"),
            ("charge_plan_id", by_name(ORG["plans"], "Mail handling"))]
    for plan, off in (("Virtual Office", "Virtual Mailbox"), ("Mailbox", "Premium Mailbox")):
        form += [("plan_id", by_name(ORG["plans"], plan)), ("offering_id", offerings.get(off, ""))]
    for loc in ("Downtown Hub", "Riverside"):
        form += [("location_id", by_name(ORG["locations"], loc)), ("space_id", spaces.get(loc, ""))]
    r = c.post("/settings/integrations/officernd", form)
    if r.status != 303:
        sys.exit("demo setup: saving the OfficeRnD card failed (%d)" % r.status)
    card = c.get("/settings/integrations/officernd").text
    if "pilotomail manages its webhook in OfficeRnD" in card:
        said = "webhook already registered in OfficeRnD"
    else:
        r = c.post("/settings/integrations/officernd/register-webhook", {})
        if r.status != 303:
            sys.exit("demo setup: registering the webhook in OfficeRnD failed (%d)" % r.status)
        card = c.get("/settings/integrations/officernd").text
        said = "webhook registered in OfficeRnD"
    url = re.search(r'id="webhook-url"[^>]*value="([^"]+)"', card) or \
        re.search(r'value="([^"]+)"[^>]*id="webhook-url"', card)
    print("Demo operator connected to the simulator; %s:\n  %s" % (said, url.group(1)))
    # conf/run.sh puts this line into the demo's banner.
    print("curl -s -X POST %s/_sim/memberships -H 'Content-Type: application/json' -d '%s'"
          % (sim_url, json.dumps({"org": ORG["slug"], "name": "Mailbox for Ada",
                                  "member": by_name(ORG["members"], "Ada Lovelace"),
                                  "plan": by_name(ORG["plans"], "Virtual Office"),
                                  "location": by_name(ORG["locations"], "Downtown Hub"),
                                  "startDate": "2026-11-01T00:00:00.000Z", "status": "approved"},
                                 separators=(",", ":"))))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
