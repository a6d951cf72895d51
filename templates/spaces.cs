<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>Spaces</h1>
</div>
<p class="muted">Spaces are the locations where your mailboxes live. Link them to OfficeRnD locations in
  <a href="/settings/integrations/officernd">Settings → Integrations → OfficeRnD</a>.</p>
<?cs if:Spaces.error ?><div class="flash flash-error" role="alert"><?cs var:Spaces.error ?></div><?cs /if ?>
<section class="card spaces-form">
  <h2>Add a space</h2>
  <form method="post" action="/spaces" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <div class="row">
      <input type="text" name="name" value="<?cs var:Form.name ?>" maxlength="100" required
             placeholder="e.g. Downtown, 5th floor" aria-label="Space name"<?cs if:Form.error ?> aria-invalid="true" autofocus<?cs /if ?>>
      <button type="submit" class="primary">Add space</button>
    </div>
    <?cs if:Form.error ?><span class="spaces-error" role="alert"><?cs var:Form.error ?></span><?cs /if ?>
  </form>
</section>
<?cs if:Spaces.any ?>
<table>
  <thead>
    <tr><th>Name</th><th class="num">Mailboxes</th><th class="spaces-actions-col"><span class="muted">Actions</span></th></tr>
  </thead>
  <tbody>
  <?cs each:s = Spaces.items ?>
    <tr>
      <td><?cs var:s.name ?><?cs if:s.linked ?> <span class="badge" title="Linked to an OfficeRnD location">OfficeRnD</span><?cs /if ?></td>
      <td class="num"><?cs var:s.mailboxes ?></td>
      <td>
        <div class="actions">
          <a class="button" href="/spaces/<?cs var:s.id ?>/edit">Edit</a>
          <?cs if:s.in_use ?>
          <span class="spaces-in-use" title="<?cs var:s.in_use ?>">
            <button type="button" class="danger" disabled aria-describedby="space-<?cs var:s.id ?>-in-use">Remove</button>
            <span class="spaces-why" id="space-<?cs var:s.id ?>-in-use"><?cs var:s.in_use_short ?></span>
          </span>
          <?cs else ?>
          <form method="post" action="/spaces/<?cs var:s.id ?>/delete" data-confirm="Remove the space “<?cs var:s.name ?>”?">
            <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
            <button type="submit" class="danger">Remove</button>
          </form>
          <?cs /if ?>
        </div>
      </td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs else ?>
<div class="card empty">No spaces yet. Add your first space above: every mailbox lives in one.</div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
