<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>Charges</h1>
  <form method="get" action="/charges" class="charges-filter">
    <select name="state" aria-label="Billing state">
      <option value="">Every billing state</option>
      <option value="queued"<?cs if:Charges.state == "queued" ?> selected<?cs /if ?>>Queued</option>
      <option value="sending"<?cs if:Charges.state == "sending" ?> selected<?cs /if ?>>Sending</option>
      <option value="sent"<?cs if:Charges.state == "sent" ?> selected<?cs /if ?>>Sent</option>
      <option value="failed"<?cs if:Charges.state == "failed" ?> selected<?cs /if ?>>Failed</option>
      <option value="not_billed"<?cs if:Charges.state == "not_billed" ?> selected<?cs /if ?>>Not billed</option>
    </select>
    <button type="submit">Filter</button>
  </form>
</div>
<p class="muted"><?cs if:Charges.billing_on ?>Charges of mailboxes linked to OfficeRnD members are booked as fees on the member's next OfficeRnD invoice, each exactly once, with its reference and date.<?cs else ?>OfficeRnD billing is off: charges are recorded here and not billed through OfficeRnD. Turn it on in <a href="/settings/integrations/officernd">Settings → Integrations → OfficeRnD</a>.<?cs /if ?></p>

<?cs if:Charges.earlier.count > 0 ?>
<section class="card charges-earlier">
  <div class="card-head">
    <div>
      <?cs if:Charges.earlier.more_than ?>
      <strong>More than <?cs var:Charges.earlier.more_than ?> earlier charges were not billed through OfficeRnD.</strong>
      <?cs else ?>
      <strong><?cs var:Charges.earlier.count ?> earlier <?cs if:Charges.earlier.count == 1 ?>charge<?cs else ?>charges<?cs /if ?> (total <?cs var:Charges.earlier.total ?>) <?cs if:Charges.earlier.count == 1 ?>was<?cs else ?>were<?cs /if ?> not billed through OfficeRnD.</strong>
      <?cs /if ?>
      <div class="muted">Made before OfficeRnD billing was turned on: nothing is billed unless you ask.</div>
    </div>
    <form method="post" action="/charges/bill-earlier" data-confirm="Book <?cs if:Charges.earlier.more_than ?>all the earlier charges (more than <?cs var:Charges.earlier.more_than ?>)<?cs elif:Charges.earlier.count == 1 ?>this earlier charge (total <?cs var:Charges.earlier.total ?>)<?cs else ?>these <?cs var:Charges.earlier.count ?> earlier charges (total <?cs var:Charges.earlier.total ?>)<?cs /if ?> as OfficeRnD fees on the members' next invoices?">
      <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
      <button type="submit" class="primary">Bill them now</button>
    </form>
  </div>
</section>
<?cs /if ?>

<?cs if:Charges.totals.states.0.key ?>
<div class="charges-totals" id="charges-totals">
  <section class="card">
    <h2>Totals by billing state</h2>
    <table class="charges-totals-table">
      <thead><tr><th>State</th><th class="num">Charges</th><th class="num">Amount</th></tr></thead>
      <tbody>
      <?cs each:t = Charges.totals.states ?>
        <tr><td><a href="/charges?state=<?cs var:t.key ?>"><?cs var:t.label ?></a></td><td class="num"><?cs var:t.count ?></td><td class="num"><?cs var:t.amount ?></td></tr>
      <?cs /each ?>
      </tbody>
    </table>
  </section>
  <section class="card">
    <h2>Totals by month</h2>
    <table class="charges-totals-table">
      <thead><tr><th>Month</th><th class="num">Charges</th><th class="num">Amount</th></tr></thead>
      <tbody>
      <?cs each:t = Charges.totals.months ?>
        <tr><td class="nowrap"><?cs var:t.label ?></td><td class="num"><?cs var:t.count ?></td><td class="num"><?cs var:t.amount ?></td></tr>
      <?cs /each ?>
      </tbody>
    </table>
    <p class="hint muted">The last 12 months with charges.</p>
  </section>
</div>
<?cs /if ?>

<?cs if:Charges.count > 0 ?>
<table>
  <thead>
    <tr><th>Date</th><th>Mailbox</th><th>What</th><th class="num">Amount</th><th>Billing</th><th><span class="muted">Manage</span></th></tr>
  </thead>
  <tbody>
  <?cs each:c = Charges.items ?>
    <tr>
      <td><?cs var:c.date ?></td>
      <td>PMB <?cs var:c.pmb ?><div class="muted"><?cs var:c.renter ?></div></td>
      <td><?cs var:c.kind ?><?cs if:c.mail_id ?> · <a href="/mail/<?cs var:c.mail_id ?>"><?cs var:c.mail_reference ?></a><?cs /if ?>
        <div class="muted"><?cs var:c.description ?></div>
        <div class="muted charges-ref"><?cs var:c.reference ?></div></td>
      <td class="num"><?cs var:c.amount_text ?><?cs if:c.free ?><div><span class="badge ok">free allowance</span></div><?cs /if ?></td>
      <td><span class="badge <?cs var:c.state_class ?>"><?cs var:c.state_label ?></span>
        <?cs if:c.state == "sent" ?><div class="muted">OfficeRnD fee <?cs var:c.fee_id ?></div><?cs /if ?>
        <?cs if:c.state == "failed" ?><div class="charges-error"><?cs var:c.error ?></div><?cs /if ?>
        <?cs if:c.state == "queued" && c.error ?><div class="muted">Will retry: <?cs var:c.error ?></div><?cs /if ?></td>
      <td><?cs if:c.state == "failed" ?>
        <form method="post" action="/charges/<?cs var:c.id ?>/retry">
          <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
          <button type="submit">Retry</button>
        </form>
      <?cs /if ?></td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs if:Charges.newest || Charges.older ?>
<nav class="charges-pages" aria-label="Pages">
  <?cs if:Charges.newest ?><a class="button" href="<?cs var:Charges.newest ?>">← Newest</a><?cs /if ?>
  <?cs if:Charges.older ?><a class="button" href="<?cs var:Charges.older ?>">Older →</a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs elif:Charges.newest ?>
<div class="card empty">No older charges. <a href="<?cs var:Charges.newest ?>">Back to the newest</a>.</div>
<?cs else ?>
<div class="card empty"><?cs if:Charges.state ?>No charges in this state.<?cs else ?>No charges yet. A charge is made when a mail action is recorded as done.<?cs /if ?></div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
