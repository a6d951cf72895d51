<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>Mailbox Offerings</h1>
  <a class="button primary" href="/offerings/new">New offering</a>
</div>
<p class="muted">An offering sets a mailbox's monthly price, what renters may ask for, how many of each
  action are free every month and the fee after that. Link offerings to OfficeRnD plans in
  <a href="/settings/integrations/officernd">Settings → Integrations → OfficeRnD</a>.</p>
<?cs if:Offerings.error ?><div class="flash flash-error" role="alert"><?cs var:Offerings.error ?></div><?cs /if ?>
<?cs if:Offerings.any ?>
<table>
  <thead>
    <tr><th>Name</th><th class="num">Monthly price</th><th>Actions and storage</th><th class="num">Mailboxes</th><th><span class="muted">Manage</span></th></tr>
  </thead>
  <tbody>
  <?cs each:o = Offerings.items ?>
    <tr>
      <td><?cs var:o.name ?><?cs if:o.linked ?> <span class="badge" title="Linked to an OfficeRnD plan">OfficeRnD</span><?cs /if ?></td>
      <td class="num"><?cs var:o.price ?></td>
      <td>
        <ul class="offerings-summary">
        <?cs each:line = o.summary ?><li><?cs var:line ?></li><?cs /each ?>
          <li class="muted"><?cs var:o.storage ?></li>
        </ul>
      </td>
      <td class="num"><?cs var:o.mailboxes ?></td>
      <td>
        <div class="actions">
          <a class="button" href="/offerings/<?cs var:o.id ?>/edit">Edit</a>
          <form method="post" action="/offerings/<?cs var:o.id ?>/delete" data-confirm="Remove the offering “<?cs var:o.name ?>”?">
            <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
            <button type="submit" class="danger">Remove</button>
          </form>
        </div>
      </td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs else ?>
<div class="card empty">No offerings yet. <a href="/offerings/new">Create your first offering</a>: every mailbox has one.</div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
