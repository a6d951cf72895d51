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
