<?cs include:"layout_head.cs" ?>
<section class="card mail-form">
  <h1>Record received mail</h1>
  <p class="muted">Each item gets a reference like M-000123, printed on its charges and on the renter's invoice.</p>
  <?cs if:Form.error ?><div class="flash flash-error" role="alert"><?cs var:Form.error ?></div><?cs /if ?>
  <form method="post" action="/mail" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label>Mailbox
      <?cs if:Mail.by_pmb ?>
      <input type="text" name="pmb" value="<?cs var:Mail.pmb ?>" maxlength="15" placeholder="PMB, e.g. 1234">
      <?cs else ?>
      <select name="mailbox_id">
        <option value="">Not assigned yet</option>
        <?cs each:b = Mailboxes ?><option value="<?cs var:b.id ?>"<?cs if:b.selected ?> selected<?cs /if ?>><?cs var:b.label ?></option><?cs /each ?>
      </select>
      <?cs /if ?>
      <span class="hint">Leave it unassigned when you do not know yet whose it is; assign it later from the Unassigned tab.</span>
    </label>
    <fieldset class="mail-kind">
      <legend>Kind</legend>
      <label class="check"><input type="radio" name="kind" value="letter"<?cs if:Form.kind != "package" ?> checked<?cs /if ?>> Letter</label>
      <label class="check"><input type="radio" name="kind" value="package"<?cs if:Form.kind == "package" ?> checked<?cs /if ?>> Package</label>
    </fieldset>
    <label>Sender <input type="text" name="sender" value="<?cs var:Form.sender ?>" maxlength="100" placeholder="e.g. ACME Bank"></label>
    <label>Received on <input type="date" name="received_on" value="<?cs var:Form.received_on ?>" max="<?cs var:Form.today ?>" required></label>
    <div class="actions">
      <button type="submit" class="primary">Record item</button>
      <a class="button" href="/mail">Cancel</a>
    </div>
  </form>
</section>
<?cs include:"layout_foot.cs" ?>
