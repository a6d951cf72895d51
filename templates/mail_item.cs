<?cs def:scan_file_input() ?>
    <label for="scan-file">Scan file (PDF or image)</label>
    <input type="file" id="scan-file" name="scan_file" accept="application/pdf,image/png,image/jpeg,image/webp" required>
    <span class="hint">PDF, PNG, JPEG or WebP, at most <?cs var:Item.scan_max ?>.</span>
<?cs /def ?>
<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1><?cs var:Item.reference ?> <span class="muted mail-kind-title"><?cs var:Item.kind ?></span> <span class="badge <?cs var:Item.status_class ?>"><?cs var:Item.status_label ?></span></h1>
  <a class="button" href="/mail">All mail</a>
</div>
<?cs if:Item.error ?><div class="flash flash-error" role="alert"><?cs var:Item.error ?></div><?cs /if ?>
<section class="card">
  <dl class="mail-facts">
    <dt>Received</dt><dd><?cs var:Item.received_on ?></dd>
    <dt>Sender</dt><dd><?cs if:Item.sender ?><?cs var:Item.sender ?><?cs else ?><span class="muted">not noted</span><?cs /if ?></dd>
    <dt>Mailbox</dt>
    <dd><?cs if:Item.mailbox_id ?>PMB <?cs var:Item.pmb ?> · <?cs var:Item.renter_name ?> <span class="muted"><?cs var:Item.renter_email ?></span>
      <?cs if:Item.mailbox_status == "cancelled" ?> <span class="badge err">cancelled</span><?cs elif:Item.mailbox_status == "on_hold" ?> <span class="badge warn">on hold</span><?cs /if ?>
      <?cs else ?><span class="badge warn">Unassigned</span><?cs /if ?></dd>
    <?cs if:Item.offering ?><dt>Offering</dt><dd><?cs var:Item.offering ?></dd><?cs /if ?>
    <?cs if:Item.left_on ?><dt>Left storage</dt><dd><?cs var:Item.left_on ?></dd><?cs /if ?>
    <?cs if:Item.scan.type ?><dt>Scan</dt>
    <dd id="scan-file-facts"><?cs var:Item.scan.type ?>, <?cs var:Item.scan.size ?> <span class="muted">attached <?cs var:Item.scan.created ?></span>
      · <a href="/mail/<?cs var:Item.id ?>/scan">View</a> · <a href="/mail/<?cs var:Item.id ?>/scan/download">Download</a></dd><?cs /if ?>
  </dl>
  <?cs if:Item.scan.type ?>
  <form method="post" action="/mail/<?cs var:Item.id ?>/scan/delete" data-confirm="Remove the scan file of <?cs var:Item.reference ?>? The renter will no longer see it.">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <button type="submit" class="danger">Remove scan file</button>
  </form>
  <?cs /if ?>
</section>

<?cs if:Item.can_attach ?>
<section class="card">
  <h2>Attach the scan file</h2>
  <p class="muted">This item was scanned without a file. The renter is told by email once it is attached.</p>
  <form method="post" action="/mail/<?cs var:Item.id ?>/scan" enctype="multipart/form-data" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <?cs call:scan_file_input() ?>
    <button type="submit" class="primary">Attach scan</button>
  </form>
</section>
<?cs /if ?>

<?cs if:Item.can_assign ?>
<section class="card">
  <h2><?cs if:Item.mailbox_id ?>Move to another mailbox<?cs else ?>Assign to a mailbox<?cs /if ?></h2>
  <form method="post" action="/mail/<?cs var:Item.id ?>/assign" class="row">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <?cs if:Mail.by_pmb ?>
    <input type="text" name="pmb" value="<?cs var:Mail.pmb ?>" maxlength="15" placeholder="PMB, e.g. 1234" aria-label="Mailbox PMB" required>
    <?cs else ?>
    <select name="mailbox_id" aria-label="Mailbox" required>
      <option value="">Choose a mailbox…</option>
      <?cs each:b = Mailboxes ?><option value="<?cs var:b.id ?>"<?cs if:b.selected ?> selected<?cs /if ?>><?cs var:b.label ?></option><?cs /each ?>
    </select>
    <?cs /if ?>
    <button type="submit" class="primary">Assign</button>
  </form>
</section>
<?cs /if ?>

<?cs if:Item.mailbox_status == "cancelled" ?>
<div class="notice">Mailbox PMB <?cs var:Item.pmb ?> is cancelled: no actions can be asked for or done on its mail. Charges already made are still billed.</div>
<?cs /if ?>

<?cs if:Item.has_requests ?>
<h2>Actions</h2>
<table>
  <thead><tr><th>Action</th><th>Asked by</th><th>State</th><th>Details</th><th><span class="muted">Manage</span></th></tr></thead>
  <tbody>
  <?cs each:r = Item.requests ?>
    <tr>
      <td><?cs var:r.label ?></td>
      <td><?cs var:r.by ?> <span class="muted"><?cs var:r.created_at ?></span></td>
      <td><span class="badge <?cs if:r.state == "completed" ?>ok<?cs elif:r.state == "requested" ?>warn<?cs /if ?>"><?cs var:r.state ?></span></td>
      <td><?cs if:r.carrier ?><?cs var:r.carrier ?> <?cs /if ?><?cs if:r.tracking ?><span class="muted">tracking</span> <?cs var:r.tracking ?> <?cs /if ?><?cs if:r.postage ?><span class="muted">postage</span> <?cs var:r.postage ?><?cs /if ?><?cs if:r.forward_address ?><div class="mail-forward-address"><span class="muted">to</span> <?cs var:r.forward_address ?></div><?cs /if ?><?cs if:r.note ?><span class="muted"><?cs var:r.note ?></span><?cs /if ?></td>
      <td>
      <?cs if:r.state == "requested" && Item.can_act ?>
        <div class="actions">
          <form method="post" action="/mail/<?cs var:Item.id ?>/actions/<?cs var:r.id ?>/complete" class="mail-inline"<?cs if:r.action == "scan" ?> enctype="multipart/form-data"<?cs /if ?>>
            <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
            <?cs if:r.action == "scan" ?><?cs call:scan_file_input() ?><?cs /if ?>
            <?cs if:r.action == "forward" ?>
            <input type="text" name="carrier" placeholder="Carrier" aria-label="Carrier" maxlength="60">
            <input type="text" name="tracking" placeholder="Tracking number" aria-label="Tracking number" maxlength="120">
            <input type="text" name="postage" placeholder="Postage 0.00" aria-label="Postage" inputmode="decimal">
            <?cs /if ?>
            <button type="submit" class="primary">Mark done</button>
          </form>
          <form method="post" action="/mail/<?cs var:Item.id ?>/actions/<?cs var:r.id ?>/cancel" data-confirm="Cancel this <?cs var:r.noun ?> request?">
            <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
            <button type="submit" class="danger">Cancel</button>
          </form>
        </div>
      <?cs /if ?>
      </td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs /if ?>

<?cs if:Item.can_act ?>
<section class="card">
  <h2>Record an action done</h2>
  <?cs if:Item.offer_any ?>
  <p class="muted">Priced from the offering “<?cs var:Item.offering ?>”: the month's free allowance first, then the fee. The charge is made when you record it.</p>
  <div class="mail-record">
  <?cs each:o = Item.offer ?><?cs if:o.enabled && name(o) != "forward" && (name(o) != "scan" || !Item.scan_requested) ?>
    <form method="post" action="/mail/<?cs var:Item.id ?>/actions"<?cs if:name(o) == "scan" ?> enctype="multipart/form-data" class="mail-scan"<?cs /if ?>>
      <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
      <input type="hidden" name="action" value="<?cs name:o ?>">
      <?cs if:name(o) == "scan" ?><?cs call:scan_file_input() ?><?cs /if ?>
      <button type="submit"><?cs var:o.button ?></button>
      <span class="hint"><?cs if:o.fee == "included" ?>included<?cs elif:o.free > 0 ?><?cs var:o.free ?> free a month, then <?cs var:o.fee ?><?cs else ?><?cs var:o.fee ?><?cs /if ?></span>
    </form>
  <?cs /if ?><?cs /each ?>
  </div>
  <?cs if:Item.offer.forward.enabled ?>
  <form method="post" action="/mail/<?cs var:Item.id ?>/actions" class="form mail-forward">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <input type="hidden" name="action" value="forward">
    <div class="step-title">Forwarding <span class="hint"><?cs if:Item.offer.forward.fee == "included" ?>included, plus postage<?cs else ?><?cs if:Item.offer.forward.free > 0 ?><?cs var:Item.offer.forward.free ?> free a month, then <?cs /if ?><?cs var:Item.offer.forward.fee ?> plus postage<?cs /if ?></span></div>
    <div class="row">
      <input type="text" name="carrier" placeholder="Carrier (e.g. UPS)" aria-label="Carrier" maxlength="60">
      <input type="text" name="tracking" placeholder="Tracking number" aria-label="Tracking number" maxlength="120">
      <input type="text" name="postage" placeholder="Postage 0.00" aria-label="Postage" inputmode="decimal">
      <button type="submit">Record forwarding</button>
    </div>
  </form>
  <?cs /if ?>
  <?cs else ?>
  <p class="muted">The offering “<?cs var:Item.offering ?>” enables no actions. Enable them in <a href="/offerings">Offerings</a>.</p>
  <?cs /if ?>
</section>
<?cs /if ?>

<h2>Charges</h2>
<?cs if:subcount(Item.charges) > 0 ?>
<table>
  <thead><tr><th>Date</th><th>What</th><th class="num">Amount</th><th>Billing</th></tr></thead>
  <tbody>
  <?cs each:c = Item.charges ?>
    <tr>
      <td><?cs var:c.date ?></td>
      <td><?cs var:c.description ?> <span class="muted"><?cs var:c.reference ?></span></td>
      <td class="num"><?cs var:c.amount_text ?><?cs if:c.free ?> <span class="badge ok">free allowance</span><?cs /if ?></td>
      <td><span class="badge <?cs var:c.state_class ?>"><?cs var:c.state_label ?></span><?cs if:c.fee_id ?> <span class="muted">fee <?cs var:c.fee_id ?></span><?cs /if ?><?cs if:c.state == "failed" ?> <span class="charges-error"><?cs var:c.error ?></span><?cs /if ?></td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs else ?>
<div class="card empty">No charges for this item yet.</div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
