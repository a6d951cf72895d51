<?cs include:"layout_head.cs" ?>
<?cs include:"named_text.cs" ?>
<p class="muted"><a href="/mailboxes">← Mailboxes</a></p>
<div class="toolbar">
  <h1>PMB <?cs var:Mailbox.pmb ?> · <?cs if:Mailbox.renter_name ?><?cs var:Mailbox.renter_name ?><?cs else ?>(no name)<?cs /if ?></h1>
  <span class="badge <?cs var:Mailbox.status_class ?>"><?cs var:Mailbox.status_label ?></span>
</div>
<?cs if:Mailbox.needs_attention ?>
<div class="notice" role="status"><strong>Needs attention:</strong> <?cs call:named_text(Mailbox.needs_attention) ?></div>
<?cs /if ?>
<div class="cards">
  <section class="card">
    <h2>Renter</h2>
    <dl class="mailboxes-facts">
      <dt>Name</dt><dd><?cs var:Mailbox.renter_name ?></dd>
      <dt>Email</dt><dd><?cs var:Mailbox.renter_email ?></dd>
      <?cs if:Mailbox.company_name ?><dt>Company</dt><dd><?cs var:Mailbox.company_name ?></dd><?cs /if ?>
    </dl>
  </section>
  <section class="card">
    <h2>Mailbox</h2>
    <dl class="mailboxes-facts">
      <dt>PMB</dt><dd class="mailboxes-pmb"><?cs var:Mailbox.pmb ?></dd>
      <dt>Space</dt><dd><?cs if:Mailbox.space_name ?><?cs var:Mailbox.space_name ?><?cs else ?><span class="muted">No space yet</span><?cs /if ?></dd>
      <dt>Offering</dt><dd><?cs var:Mailbox.offering_name ?></dd>
      <dt>Status</dt><dd><span class="badge <?cs var:Mailbox.status_class ?>"><?cs var:Mailbox.status_label ?></span><?cs if:Mailbox.cancelled ?> <span class="muted mailboxes-small">since <?cs var:Mailbox.cancelled ?><?cs if:Mailbox.cancelled_by ?>, <?cs var:Mailbox.cancelled_by ?><?cs /if ?></span><?cs /if ?></dd>
      <dt>Source</dt><dd><?cs var:Mailbox.source_label ?></dd>
      <?cs if:Mailbox.membership_id ?><dt>Membership</dt><dd><code><?cs var:Mailbox.membership_id ?></code></dd><?cs /if ?>
      <?cs if:Mailbox.location_id ?><dt>OfficeRnD location</dt><dd id="mailbox-location"><?cs var:Mailbox.location_name ?></dd><?cs /if ?>
      <dt>Created</dt><dd><?cs var:Mailbox.created ?></dd>
    </dl>
  </section>
  <?cs if:Box.officernd.any ?>
  <section class="card" id="officernd">
    <h2>OfficeRnD</h2>
    <dl class="mailboxes-facts">
      <dt>Member</dt><dd id="officernd-member"><?cs var:Box.officernd.member ?></dd>
      <?cs if:Box.officernd.plan ?><dt>Plan</dt><dd id="officernd-plan"><?cs var:Box.officernd.plan ?></dd><?cs /if ?>
      <?cs if:Box.officernd.location ?><dt>Location</dt><dd id="officernd-location"><?cs var:Box.officernd.location ?></dd><?cs /if ?>
    </dl>
    <?cs if:Box.officernd.admin_url ?><p><a href="<?cs var:Box.officernd.admin_url ?>" rel="noopener noreferrer" target="_blank">Open OfficeRnD</a> <span class="muted mailboxes-small">and search for <?cs var:Box.officernd.member ?></span></p><?cs /if ?>
  </section>
  <?cs /if ?>
  <section class="card">
    <h2>Invitation</h2>
    <?cs if:Invitation.any ?>
    <dl class="mailboxes-facts">
      <dt>State</dt><dd><span class="badge <?cs var:Invitation.state_class ?>" id="invitation-state"><?cs var:Invitation.state_label ?></span></dd>
      <dt>Issued</dt><dd><?cs var:Invitation.created ?></dd>
      <?cs if:Invitation.state == "accepted" ?><dt>Accepted</dt><dd><?cs var:Invitation.accepted ?></dd>
      <?cs elif:Invitation.state == "pending" || Invitation.state == "expired" ?><dt>Link valid until</dt><dd><?cs var:Invitation.expires ?></dd><?cs /if ?>
      <?cs if:Invitation.email.any ?>
      <dt>Email</dt>
      <dd>
        <span class="badge <?cs var:Invitation.email_class ?>" id="invitation-email-state"><?cs var:Invitation.email_label ?></span>
        <span class="muted mailboxes-small">to <?cs var:Invitation.email.to ?><?cs if:Invitation.email.sent ?>, <?cs var:Invitation.email.sent ?><?cs /if ?></span>
        <?cs if:Invitation.email.error ?>
        <div class="mailboxes-email-error" role="status">
          <?cs if:Invitation.email.state == "failed" ?>Not delivered<?cs else ?>Last attempt failed<?cs /if ?>
          (<?cs var:Invitation.email.attempts ?> <?cs if:Invitation.email.attempts == 1 ?>attempt<?cs else ?>attempts<?cs /if ?>): <?cs var:Invitation.email.error ?>.
          <?cs if:Invitation.email.next_attempt ?>Next try around <?cs var:Invitation.email.next_attempt ?>.<?cs /if ?>
        </div>
        <?cs /if ?>
      </dd>
      <?cs else ?>
      <dt>Email</dt><dd><span class="muted">None: the renter has no email address.</span></dd>
      <?cs /if ?>
    </dl>
    <?cs else ?>
    <p class="muted">No invitation has been sent for this mailbox.</p>
    <?cs /if ?>
    <div class="actions">
      <?cs if:Mailbox.can_resend ?>
      <form method="post" action="/mailboxes/<?cs var:Mailbox.id ?>/resend-invitation">
        <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
        <button type="submit"><?cs if:Invitation.any ?>Resend invitation<?cs else ?>Send invitation<?cs /if ?></button>
      </form>
      <?cs /if ?>
      <?cs if:Mailbox.can_revoke ?>
      <form method="post" action="/mailboxes/<?cs var:Mailbox.id ?>/revoke-invitation" data-confirm="Revoke the invitation? Its link will stop working.">
        <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
        <button type="submit">Revoke invitation</button>
      </form>
      <?cs /if ?>
    </div>
  </section>
</div>
<section class="card" id="edit">
  <h2>Edit</h2>
  <?cs if:Box.error ?><div class="flash flash-error" role="alert"><?cs var:Box.error ?></div><?cs /if ?>
  <form method="post" action="/mailboxes/<?cs var:Mailbox.id ?>/edit" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label for="renter-name">Renter's name</label>
    <input type="text" id="renter-name" name="renter_name" value="<?cs var:Form.renter_name ?>" maxlength="100" required autocomplete="off">
    <label for="space-id">Space</label>
    <select id="space-id" name="space_id" required>
      <option value="">Choose a space…</option>
      <?cs each:sp = Form.spaces ?><option value="<?cs var:sp.id ?>"<?cs if:sp.selected ?> selected<?cs /if ?>><?cs var:sp.name ?></option><?cs /each ?>
    </select>
    <label for="offering-id">Offering</label>
    <select id="offering-id" name="offering_id" required>
      <option value="">Choose an offering…</option>
      <?cs each:of = Form.offerings ?><option value="<?cs var:of.id ?>"<?cs if:of.selected ?> selected<?cs /if ?>><?cs var:of.name ?></option><?cs /each ?>
    </select>
    <?cs if:Box.officernd.any ?><span class="hint">OfficeRnD's later changes to the membership's plan or location set the offering and space again; a name you change here is kept.</span><?cs /if ?>
    <div class="actions"><button type="submit" class="primary">Save changes</button></div>
  </form>
</section>

<h2 id="mail">Mail</h2>
<?cs if:subcount(Box.mail) > 0 ?>
<table>
  <thead><tr><th>Item</th><th>Received</th><th>From</th><th>Status</th></tr></thead>
  <tbody>
  <?cs each:i = Box.mail ?>
    <tr>
      <td><a href="/mail/<?cs var:i.id ?>"><?cs var:i.reference ?></a> <span class="muted"><?cs var:i.kind ?></span></td>
      <td><?cs var:i.received_on ?></td>
      <td><?cs var:i.sender ?></td>
      <td><?cs var:i.status ?><?cs if:i.scan ?> <span class="badge ok">scan</span><?cs /if ?><?cs if:i.open_requests > 0 ?> <span class="badge warn"><?cs var:i.open_requests ?> requested</span><?cs /if ?></td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<p class="pager"><?cs if:Box.mail_newest ?><a href="<?cs var:Box.mail_newest ?>">Newest</a> <?cs /if ?><?cs if:Box.mail_older ?><a href="<?cs var:Box.mail_older ?>#mail">Older mail</a><?cs /if ?></p>
<?cs else ?>
<div class="card empty">No mail<?cs if:Box.mail_newest ?> on this page: <a href="<?cs var:Box.mail_newest ?>">newest</a><?cs else ?> for this mailbox yet. <a href="/mail/new?mailbox_id=<?cs var:Mailbox.id ?>">Record mail</a><?cs /if ?>.</div>
<?cs /if ?>

<h2 id="charges">Charges</h2>
<?cs if:subcount(Box.charges) > 0 ?>
<table>
  <thead><tr><th>Date</th><th>What</th><th class="num">Amount</th><th>Billing</th></tr></thead>
  <tbody>
  <?cs each:c = Box.charges ?>
    <tr>
      <td><?cs var:c.date ?></td>
      <td><?cs var:c.description ?> <span class="muted"><?cs var:c.reference ?></span></td>
      <td class="num"><?cs var:c.amount_text ?><?cs if:c.free ?> <span class="badge ok">free allowance</span><?cs /if ?></td>
      <td><span class="badge <?cs var:c.state_class ?>"><?cs var:c.state_label ?></span></td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<p class="pager"><?cs if:Box.charges_newest ?><a href="<?cs var:Box.charges_newest ?>">Newest</a> <?cs /if ?><?cs if:Box.charges_older ?><a href="<?cs var:Box.charges_older ?>#charges">Older charges</a><?cs /if ?></p>
<?cs else ?>
<div class="card empty">No charges for this mailbox<?cs if:Box.charges_newest ?> on this page<?cs else ?> yet<?cs /if ?>.</div>
<?cs /if ?>

<?cs if:Mailbox.can_cancel ?>
<section class="card mailboxes-danger">
  <h2>Cancel this mailbox</h2>
  <p class="muted">The mailbox is marked cancelled and an unaccepted invitation stops working. Charges already made are still billed.
    <?cs if:Mailbox.membership_id ?>Later changes to its OfficeRnD membership do not reopen it: they only mark it as needing attention.<?cs /if ?>
    You can reopen it from this page.</p>
  <form method="post" action="/mailboxes/<?cs var:Mailbox.id ?>/cancel" data-confirm="Cancel mailbox PMB <?cs var:Mailbox.pmb ?>? You can reopen it later from this page.">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <button type="submit" class="danger">Cancel mailbox</button>
  </form>
</section>
<?cs /if ?>
<?cs if:Mailbox.can_reopen ?>
<section class="card" id="reopen">
  <h2>Reopen this mailbox</h2>
  <p class="muted">You cancelled this mailbox<?cs if:Mailbox.membership_id ?>, so OfficeRnD's changes to its membership leave it cancelled.
    Reopening makes it match the membership as OfficeRnD has it now (its plan's offering, its location's space)<?cs else ?>.
    Reopening makes it active again<?cs /if ?>; the renter gets a new invitation unless they accepted one.</p>
  <form method="post" action="/mailboxes/<?cs var:Mailbox.id ?>/reopen">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <button type="submit">Reopen mailbox</button>
  </form>
</section>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
