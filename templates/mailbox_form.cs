<?cs include:"layout_head.cs" ?>
<p class="muted"><a href="/mailboxes">← Mailboxes</a></p>
<section class="card mailboxes-form">
  <h1>New mailbox</h1>
  <p class="muted">The renter gets the next free PMB number and an email invitation to choose a password.</p>
  <?cs if:Form.error ?><div class="flash flash-error" role="alert"><?cs var:Form.error ?></div><?cs /if ?>
  <?cs if:Form.space_count == 0 || Form.offering_count == 0 ?>
  <div class="notice">
    A mailbox needs a space and an offering.
    <?cs if:Form.space_count == 0 ?><a href="/spaces">Add a space</a><?cs /if ?>
    <?cs if:Form.space_count == 0 && Form.offering_count == 0 ?> and <?cs /if ?>
    <?cs if:Form.offering_count == 0 ?><a href="/offerings/new">add an offering</a><?cs /if ?>
    first.
  </div>
  <?cs /if ?>
  <form method="post" action="/mailboxes" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label>Renter's name
      <input type="text" name="name" value="<?cs var:Form.name ?>" maxlength="100" required autofocus autocomplete="off"<?cs if:Form.errors.name ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Form.errors.name ?><span class="mailboxes-error" role="alert"><?cs var:Form.errors.name ?></span><?cs /if ?>
    </label>
    <label>Email
      <input type="email" name="email" value="<?cs var:Form.email ?>" maxlength="254" required autocomplete="off"<?cs if:Form.errors.email ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Form.errors.email ?><span class="mailboxes-error" role="alert"><?cs var:Form.errors.email ?></span><?cs /if ?>
      <span class="hint">The invitation is sent here; it is also how the renter signs in.</span>
    </label>
    <label>Company <span class="hint">(optional)</span>
      <input type="text" name="company_name" value="<?cs var:Form.company_name ?>" maxlength="100" autocomplete="off"<?cs if:Form.errors.company_name ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Form.errors.company_name ?><span class="mailboxes-error" role="alert"><?cs var:Form.errors.company_name ?></span><?cs /if ?>
    </label>
    <label>Space
      <select name="space_id" required<?cs if:Form.errors.space_id ?> aria-invalid="true"<?cs /if ?>>
        <option value="">Choose a space…</option>
        <?cs each:s = Form.spaces ?><option value="<?cs var:s.id ?>"<?cs if:s.selected ?> selected<?cs /if ?>><?cs var:s.name ?></option><?cs /each ?>
      </select>
      <?cs if:Form.errors.space_id ?><span class="mailboxes-error" role="alert"><?cs var:Form.errors.space_id ?></span><?cs /if ?>
    </label>
    <label>Offering
      <select name="offering_id" required<?cs if:Form.errors.offering_id ?> aria-invalid="true"<?cs /if ?>>
        <option value="">Choose an offering…</option>
        <?cs each:o = Form.offerings ?><option value="<?cs var:o.id ?>"<?cs if:o.selected ?> selected<?cs /if ?>><?cs var:o.name ?></option><?cs /each ?>
      </select>
      <?cs if:Form.errors.offering_id ?><span class="mailboxes-error" role="alert"><?cs var:Form.errors.offering_id ?></span><?cs /if ?>
    </label>
    <div class="actions">
      <button type="submit" class="primary">Create mailbox and send invitation</button>
      <a class="button" href="/mailboxes">Cancel</a>
    </div>
  </form>
</section>
<?cs include:"layout_foot.cs" ?>
