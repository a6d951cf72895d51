<?cs include:"layout_head.cs" ?>
<?cs include:"named_text.cs" ?>
<div class="toolbar">
  <h1>Activity</h1>
  <form method="get" action="/activity" class="activity-search" role="search">
    <?cs if:Activity.filter.state ?><input type="hidden" name="state" value="<?cs var:Activity.filter.state ?>"><?cs /if ?>
    <input type="search" name="q" value="<?cs var:Activity.filter.q ?>" maxlength="128"
           placeholder="OfficeRnD membership id" aria-label="Membership id">
    <button type="submit">Search</button>
    <?cs if:Activity.filtered ?><a class="button" href="/activity">Clear</a><?cs /if ?>
  </form>
</div>
<p class="muted">Every membership event OfficeRnD sent to your webhook URL, and every change pilotomail found by
  checking OfficeRnD itself, newest first, with what pilotomail did with it. Requests without a valid
  signature are refused and not listed.</p>
<?cs if:Held.count > 0 ?>
<section class="card activity-held" id="held" role="alert">
  <h2>Confirm: cancel <?cs var:Held.count ?> <?cs if:Held.count == 1 ?>mailbox<?cs else ?>mailboxes<?cs /if ?>?</h2>
  <p>A check of OfficeRnD would cancel these mailboxes at once, more than pilotomail cancels without asking.
    This happens when memberships were deleted in bulk, or when pilotomail is connected to an emptied or
    different OfficeRnD account. <strong>Nothing has been cancelled.</strong> Cancel them only if these members
    really left.</p>
  <table class="activity-table">
    <thead><tr><th>Renter</th><th>PMB</th><th>Membership</th><th>Why</th></tr></thead>
    <tbody>
    <?cs each:h = Held.items ?>
      <tr id="held-<?cs var:h.id ?>">
        <td><?cs var:h.renter_name ?></td>
        <td><a href="/mailboxes/<?cs var:h.mailbox_id ?>"><?cs var:h.pmb ?></a></td>
        <td><code><?cs var:h.membership ?></code></td>
        <td><?cs call:named_text(h.reason) ?></td>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
  <div class="actions">
    <form method="post" action="/activity/reconcile/cancel">
      <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
      <?cs each:h = Held.items ?><input type="hidden" name="held_id" value="<?cs var:h.id ?>"><?cs /each ?>
      <button type="submit" class="danger">Cancel these <?cs var:Held.count ?> <?cs if:Held.count == 1 ?>mailbox<?cs else ?>mailboxes<?cs /if ?></button>
    </form>
    <form method="post" action="/activity/reconcile/keep">
      <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
      <?cs each:h = Held.items ?><input type="hidden" name="held_id" value="<?cs var:h.id ?>"><?cs /each ?>
      <button type="submit">Keep them</button>
    </form>
  </div>
</section>
<?cs /if ?>
<?cs if:Reconcile.configured ?>
<section class="card connect-health<?cs if:Health.bad ?> connect-health-bad<?cs /if ?>" id="connection-health">
  <h2>OfficeRnD connection</h2>
  <dl class="integrations-facts">
    <dt>Webhook</dt><dd id="health-webhook"><?cs var:Health.webhook_words ?><?cs if:Health.missing_events ?> Missing: <?cs var:Health.missing_events ?>.<?cs /if ?><?cs if:Health.webhook_error ?> <?cs var:Health.webhook_error ?><?cs /if ?></dd>
    <dt>Last event received</dt><dd id="health-last-event"><?cs if:Health.last_event ?><?cs var:Health.last_event ?><?cs else ?>none yet<?cs /if ?></dd>
    <dt>Credentials</dt><dd id="health-credentials"><?cs var:Health.credentials_words ?><?cs if:Health.credentials_error ?> <?cs var:Health.credentials_error ?><?cs /if ?></dd>
    <dt>Last checked</dt><dd id="health-checked"><?cs if:Health.checked ?><?cs var:Health.checked ?><?cs else ?>not yet<?cs /if ?></dd>
  </dl>
</section>
<?cs /if ?>
<div class="card activity-reconcile" id="reconcile">
  <div class="activity-reconcile-text">
    <strong>Missed a webhook?</strong>
    pilotomail checks OfficeRnD for membership changes <?cs var:Reconcile.every ?><?cs if:Reconcile.configured ?>;
    last check: <span class="activity-reconcile-last"><?cs var:Reconcile.last ?></span><?cs /if ?>.
    <?cs if:Reconcile.running ?>
    <span class="activity-meta"><span class="badge warn">Checking</span> A check is running now.</span>
    <?cs elif:Reconcile.queued ?>
    <span class="activity-meta"><span class="badge warn">Queued</span> A check runs within a minute.</span>
    <?cs elif:Reconcile.next ?>
    <span class="activity-meta">Next automatic check around <?cs var:Reconcile.next ?>.</span>
    <?cs /if ?>
    <?cs if:Reconcile.error ?>
    <span class="activity-reconcile-error">The last check failed: <?cs var:Reconcile.error ?>. pilotomail
      tries again at the next check.</span>
    <?cs /if ?>
    <?cs if:!Reconcile.configured ?>
    <span class="activity-meta">Connect OfficeRnD in
      <a href="/settings/integrations/officernd">Settings → Integrations → OfficeRnD</a> to have it checked.</span>
    <?cs /if ?>
  </div>
  <?cs if:Reconcile.configured ?>
  <form method="post" action="/activity/reconcile">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <button type="submit">Check now</button>
  </form>
  <?cs /if ?>
</div>
<nav class="activity-tabs" aria-label="Filter by outcome">
  <?cs each:t = Activity.tabs ?>
  <a href="<?cs var:t.href ?>"<?cs if:t.active ?> class="active" aria-current="page"<?cs /if ?>><?cs var:t.label ?> <span class="activity-count"><?cs var:t.count ?></span></a>
  <?cs /each ?>
</nav>
<?cs if:Activity.any ?>
<table class="activity-table">
  <thead>
    <tr><th>Received</th><th>Event</th><th>Membership</th><th>Outcome</th><th><span class="muted">Actions</span></th></tr>
  </thead>
  <tbody>
  <?cs each:e = Activity.items ?>
    <tr id="event-<?cs var:e.id ?>" class="activity-<?cs var:e.state ?>">
      <td class="activity-time"><?cs var:e.received ?><span class="activity-id">#<?cs var:e.id ?></span></td>
      <td class="activity-type"><code><?cs var:e.type ?></code><?cs if:e.reconciled ?>
        <span class="badge activity-found" title="pilotomail found this change by checking OfficeRnD: its webhook never arrived">found by reconciliation</span><?cs /if ?></td>
      <td><?cs if:e.membership_href ?><a href="<?cs var:e.membership_href ?>" title="Every event of this membership"><code><?cs var:e.membership ?></code></a><?cs else ?><span class="muted">—</span><?cs /if ?></td>
      <td>
        <span class="badge <?cs var:e.state_class ?>"><?cs var:e.state_label ?></span>
        <span class="activity-outcome"><?cs call:named_text(e.outcome) ?></span>
        <?cs if:e.attempts ?><span class="activity-meta">Attempts: <?cs var:e.attempts ?></span><?cs /if ?>
        <?cs if:e.processed ?><span class="activity-meta">Done <?cs var:e.processed ?></span><?cs /if ?>
      </td>
      <td>
        <?cs if:e.retry ?>
        <form method="post" action="/activity/<?cs var:e.id ?>/retry">
          <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
          <button type="submit">Retry</button>
        </form>
        <?cs /if ?>
      </td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<div class="activity-paging">
  <?cs if:Activity.paged ?><a class="button" href="<?cs var:Activity.newest ?>">Newest</a><?cs /if ?>
  <?cs if:Activity.older ?><a class="button" href="<?cs var:Activity.older ?>">Older events</a><?cs /if ?>
</div>
<?cs elif:Activity.filtered ?>
<div class="card empty">No event matches this filter. <a href="/activity">Show every event</a>.</div>
<?cs else ?>
<div class="card empty">No webhook received yet. Once the webhook URL and signing secret are set in
  <a href="/settings/integrations/officernd">Settings → Integrations → OfficeRnD</a>, every membership
  created, updated or removed in OfficeRnD shows up here.</div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
