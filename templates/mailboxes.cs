<?cs include:"layout_head.cs" ?>
<?cs include:"named_text.cs" ?>
<div class="toolbar">
  <h1>Mailboxes</h1>
  <a class="button primary" href="/mailboxes/new">New mailbox</a>
</div>
<nav class="mailboxes-filter" aria-label="Filter by status">
  <a href="/mailboxes"<?cs if:!Mailboxes.filter ?> class="active" aria-current="page"<?cs /if ?>>All</a>
  <a href="/mailboxes?status=active"<?cs if:Mailboxes.filter == "active" ?> class="active" aria-current="page"<?cs /if ?>>Active</a>
  <a href="/mailboxes?status=on_hold"<?cs if:Mailboxes.filter == "on_hold" ?> class="active" aria-current="page"<?cs /if ?>>On hold</a>
  <a href="/mailboxes?status=cancelled"<?cs if:Mailboxes.filter == "cancelled" ?> class="active" aria-current="page"<?cs /if ?>>Cancelled</a>
</nav>
<?cs if:Mailboxes.count > 0 ?>
<table class="mailboxes-table">
  <thead>
    <tr><th>PMB</th><th>Renter</th><th>Space</th><th>Offering</th><th>Status</th><th>Source</th><th>Invitation</th></tr>
  </thead>
  <tbody>
  <?cs each:m = Mailboxes.items ?>
    <tr>
      <td class="mailboxes-pmb"><a href="/mailboxes/<?cs var:m.id ?>"><?cs var:m.pmb ?></a></td>
      <td>
        <a href="/mailboxes/<?cs var:m.id ?>"><?cs if:m.renter_name ?><?cs var:m.renter_name ?><?cs else ?>(no name)<?cs /if ?></a>
        <div class="muted mailboxes-small"><?cs var:m.renter_email ?><?cs if:m.company_name ?> · <?cs var:m.company_name ?><?cs /if ?></div>
        <?cs if:m.needs_attention ?>
        <div class="mailboxes-attention"><span class="badge warn">Needs attention</span> <span class="mailboxes-small"><?cs call:named_text(m.needs_attention) ?></span></div>
        <?cs /if ?>
      </td>
      <td><?cs if:m.space_name ?><?cs var:m.space_name ?><?cs else ?><span class="muted">No space</span><?cs /if ?></td>
      <td><?cs var:m.offering_name ?></td>
      <td><span class="badge <?cs var:m.status_class ?>"><?cs var:m.status_label ?></span></td>
      <td class="mailboxes-small"><?cs var:m.source_label ?></td>
      <td>
        <span class="badge <?cs var:m.invitation_class ?>"><?cs var:m.invitation_label ?></span>
        <?cs if:m.email_label ?><span class="badge <?cs var:m.email_class ?>"><?cs var:m.email_label ?></span><?cs /if ?>
      </td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs if:Mailboxes.newest || Mailboxes.older ?>
<nav class="mailboxes-pages" aria-label="Pages">
  <?cs if:Mailboxes.newest ?><a class="button" href="<?cs var:Mailboxes.newest ?>">← Newest</a><?cs /if ?>
  <?cs if:Mailboxes.older ?><a class="button" href="<?cs var:Mailboxes.older ?>">Older →</a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs elif:Mailboxes.newest ?>
<div class="card empty">No older mailboxes. <a href="<?cs var:Mailboxes.newest ?>">Back to the newest</a>.</div>
<?cs elif:Mailboxes.filter ?>
<div class="card empty">No <?cs var:Mailboxes.filter_word ?> mailboxes. <a href="/mailboxes">Show all mailboxes</a>.</div>
<?cs else ?>
<div class="card empty">No mailboxes yet. <a href="/mailboxes/new">Create one by hand</a>, or connect OfficeRnD in
  <a href="/settings/integrations/officernd">Settings → Integrations</a> so members who sign up for a linked plan get one automatically.</div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
