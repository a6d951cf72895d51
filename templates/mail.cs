<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>Mail</h1>
  <a class="button primary" href="/mail/new">Record received mail</a>
</div>
<div class="toolbar mail-toolbar">
  <nav class="mail-tabs" aria-label="Which mail">
    <a href="/mail?tab=unassigned<?cs if:Mail.q ?>&amp;q=<?cs var:url_escape(Mail.q) ?><?cs /if ?>"<?cs if:Mail.tab == "unassigned" ?> class="active" aria-current="page"<?cs /if ?>>Unassigned<?cs if:Mail.unassigned > 0 ?> <span class="badge warn"><?cs var:Mail.unassigned ?></span><?cs /if ?></a>
    <a href="/mail?tab=assigned<?cs if:Mail.q ?>&amp;q=<?cs var:url_escape(Mail.q) ?><?cs /if ?>"<?cs if:Mail.tab == "assigned" ?> class="active" aria-current="page"<?cs /if ?>>Assigned</a>
    <a href="/mail?tab=all<?cs if:Mail.q ?>&amp;q=<?cs var:url_escape(Mail.q) ?><?cs /if ?>"<?cs if:Mail.tab == "all" ?> class="active" aria-current="page"<?cs /if ?>>All</a>
  </nav>
  <form method="get" action="/mail" role="search">
    <input type="hidden" name="tab" value="<?cs var:Mail.tab ?>">
    <input type="search" name="q" value="<?cs var:Mail.q ?>" placeholder="PMB, renter, email or M-000123" aria-label="Search mail">
    <button type="submit">Search</button>
  </form>
</div>
<?cs if:Mail.count > 0 ?>
<table>
  <thead>
    <tr><th>Reference</th><th>Received</th><th>Kind</th><th>Sender</th><th>Mailbox</th><th>Status</th></tr>
  </thead>
  <tbody>
  <?cs each:m = Mail.items ?>
    <tr>
      <td><a href="/mail/<?cs var:m.id ?>"><?cs var:m.reference ?></a></td>
      <td><?cs var:m.received_on ?></td>
      <td><?cs var:m.kind ?></td>
      <td><?cs var:m.sender ?></td>
      <td><?cs if:m.mailbox_id ?>PMB <?cs var:m.pmb ?> <span class="muted"><?cs var:m.renter_name ?></span><?cs if:m.mailbox_status == "cancelled" ?> <span class="badge err">cancelled</span><?cs /if ?><?cs else ?><span class="badge warn">Unassigned</span><?cs /if ?></td>
      <td><span class="badge <?cs var:m.status_class ?>"><?cs var:m.status_label ?></span><?cs if:m.open_requests > 0 ?> <span class="badge warn"><?cs var:m.open_requests ?> requested</span><?cs /if ?></td>
    </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs if:Mail.newest || Mail.older ?>
<nav class="mail-pages" aria-label="Pages">
  <?cs if:Mail.newest ?><a class="button" href="<?cs var:Mail.newest ?>">← Newest</a><?cs /if ?>
  <?cs if:Mail.older ?><a class="button" href="<?cs var:Mail.older ?>">Older →</a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs elif:Mail.newest ?>
<div class="card empty">No older items. <a href="<?cs var:Mail.newest ?>">Back to the newest</a>.</div>
<?cs else ?>
<div class="card empty"><?cs if:Mail.q ?>Nothing matches “<?cs var:Mail.q ?>”.<?cs elif:Mail.tab == "unassigned" ?>No unassigned mail: every item has its mailbox.<?cs else ?>No mail yet. <a href="/mail/new">Record the first item</a> when it arrives.<?cs /if ?></div>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
