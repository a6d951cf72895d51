<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>My mailbox</h1>
  <?cs if:My.operator ?><span class="muted"><?cs var:My.operator ?></span><?cs /if ?>
</div>

<?cs # Section: the renter's mailboxes. Further sections (mail, requests) follow as their own <section>. ?>
<section class="renter-section" id="my-mailboxes">
  <?cs if:My.count > 0 ?>
  <div class="cards">
    <?cs each:m = My.mailboxes ?>
    <article class="card renter-mailbox">
      <div class="card-head">
        <span class="muted">Mailbox number</span>
        <span class="badge <?cs var:m.status_class ?>"><?cs var:m.status_label ?></span>
      </div>
      <p class="renter-pmb">PMB <?cs var:m.pmb ?></p>
      <dl class="mailboxes-facts">
        <dt>Space</dt><dd><?cs if:m.space ?><?cs var:m.space ?><?cs else ?><span class="muted">Being assigned</span><?cs /if ?></dd>
        <dt>Plan</dt><dd><?cs var:m.offering ?></dd>
      </dl>
    </article>
    <?cs /each ?>
  </div>
  <?cs else ?>
  <div class="card empty">You have no mailbox yet.</div>
  <?cs /if ?>
</section>

<section class="renter-section" id="my-mail-link">
  <p><a class="button" href="/my/mail">See my mail</a></p>
</section>
<?cs include:"layout_foot.cs" ?>
