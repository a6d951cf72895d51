<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>My mail</h1>
  <a class="button" href="/my">My mailbox</a>
</div>
<?cs if:Mail.error ?><div class="flash flash-error" role="alert"><?cs var:Mail.error ?></div><?cs /if ?>
<?cs if:Mail.count > 0 ?>
<div class="renter-mail-list">
<?cs each:m = Mail.items ?>
  <section class="card renter-mail-item">
    <div class="card-head">
      <div>
        <strong><?cs var:m.reference ?></strong> <span class="muted"><?cs var:m.kind ?><?cs if:m.sender ?> from <?cs var:m.sender ?><?cs /if ?></span>
        <div class="muted">Received <?cs var:m.received_on ?> · PMB <?cs var:m.pmb ?></div>
      </div>
      <span class="badge <?cs if:m.left ?>warn<?cs else ?>ok<?cs /if ?>"><?cs var:m.status ?></span>
    </div>
    <?cs if:m.scan ?>
    <p class="renter-mail-scan"><strong>Scan ready:</strong> <a href="/my/mail/<?cs var:m.id ?>/scan">View scan</a> · <a href="/my/mail/<?cs var:m.id ?>/scan/download">Download</a></p>
    <?cs /if ?>
    <?cs if:subcount(m.requests) > 0 ?>
    <ul class="renter-mail-requests">
    <?cs each:r = m.requests ?>
      <li><?cs var:r.label ?>: <?cs if:r.state == "requested" ?>asked, waiting for the mail room<?cs elif:r.state == "completed" ?>done<?cs if:r.carrier ?> via <?cs var:r.carrier ?><?cs /if ?><?cs if:r.tracking ?>, tracking <?cs var:r.tracking ?><?cs /if ?><?cs else ?>cancelled<?cs /if ?><?cs if:r.forward_address ?> <span class="muted">(to <?cs var:r.forward_address ?>)</span><?cs /if ?></li>
    <?cs /each ?>
    </ul>
    <?cs /if ?>
    <?cs if:m.inactive ?>
    <p class="muted">Your mailbox is <?cs var:m.inactive ?>: actions cannot be asked for.</p>
    <?cs elif:subcount(m.buttons) > 0 ?>
    <div class="actions">
    <?cs each:b = m.buttons ?>
      <div class="renter-request">
      <?cs if:b.step ?>
        <a class="button" href="/my/mail/<?cs var:m.id ?>/request?action=<?cs var:b.action ?>">Request <?cs var:b.label ?>…</a>
      <?cs else ?>
      <form method="post" action="/my/mail/<?cs var:m.id ?>/request">
        <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
        <input type="hidden" name="action" value="<?cs var:b.action ?>">
        <button type="submit">Request <?cs var:b.label ?></button>
      </form>
      <?cs /if ?>
        <span class="hint"><?cs var:b.price ?></span>
      </div>
    <?cs /each ?>
    </div>
    <?cs /if ?>
  </section>
<?cs /each ?>
</div>
<?cs else ?>
<div class="card empty">No mail yet. When something arrives for you, it appears here.</div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
