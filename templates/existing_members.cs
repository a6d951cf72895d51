<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>Existing members</h1>
  <a class="button" href="/settings/integrations/officernd">Back to the OfficeRnD card</a>
</div>
<p class="muted">Members who were in OfficeRnD before you connected it get no mailbox until their membership
  changes. Load them here: pilotomail lists the memberships on your linked plans that have no mailbox yet,
  and you choose whom to import. A member whose email already has a mailbox you made by hand is
  <strong>matched</strong>: the import connects that mailbox instead of creating a second one.</p>

<section class="card existing-load" id="load">
  <?cs if:Import.loading ?>
  <p id="load-progress"><span class="badge warn">Loading</span> pilotomail is <?cs var:Import.phase ?>:
    <?cs var:Import.listed ?> memberships<?cs if:Import.members_read > 0 ?> and <?cs var:Import.members_read ?> members<?cs /if ?>
    read from OfficeRnD so far. <a href="/settings/integrations/officernd/members">Reload</a> to follow it.</p>
  <?cs elif:Import.loaded ?>
  <p id="load-done">Loaded <?cs var:Import.loaded_at ?>: <strong><?cs var:Import.rows ?></strong>
    <?cs if:Import.rows == 1 ?>membership<?cs else ?>memberships<?cs /if ?> on linked plans had no mailbox.
    Changed the mapping or the mailboxes since? Load again.</p>
  <?cs elif:Import.state == "failed" ?>
  <p class="flash flash-error" id="load-error" role="alert">The last load failed: <?cs var:Import.error ?>.</p>
  <?cs else ?>
  <p id="load-never">Nothing loaded yet.</p>
  <?cs /if ?>
  <form method="post" action="/settings/integrations/officernd/members/load">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <button type="submit"<?cs if:!Import.loaded && !Import.loading ?> class="primary"<?cs /if ?>><?cs if:Import.loaded || Import.loading ?>Load again<?cs else ?>Load existing members<?cs /if ?></button>
  </form>
  <?cs if:Import.asked > 0 ?>
  <p id="import-progress"><?cs if:Import.importing ?><span class="badge warn">Importing</span> <?cs /if ?>
    <strong><?cs var:Import.imported ?></strong> imported, <?cs var:Import.queued ?> waiting<?cs if:Import.not_imported > 0 ?>,
    <?cs var:Import.not_imported ?> not imported (see why below)<?cs /if ?>.
    <?cs if:Import.importing ?><a href="/settings/integrations/officernd/members">Reload</a> to follow it.<?cs /if ?></p>
  <?cs /if ?>
</section>

<?cs if:Import.loaded && Import.rows > 0 ?>
<div class="cards existing-counts">
  <section class="card" id="counts-plan">
    <h2>Per plan</h2>
    <table>
      <thead><tr><th>Plan</th><th class="num">Match</th><th class="num">New</th><th class="num">Skip</th><th class="num">Imported</th></tr></thead>
      <tbody>
      <?cs each:c = ByPlan ?><tr><td><?cs var:c.name ?></td><td class="num"><?cs var:c.match ?></td><td class="num"><?cs var:c.new ?></td><td class="num"><?cs var:c.skip ?></td><td class="num"><?cs var:c.imported ?></td></tr><?cs /each ?>
      </tbody>
    </table>
  </section>
  <section class="card" id="counts-location">
    <h2>Per location</h2>
    <table>
      <thead><tr><th>Location</th><th class="num">Match</th><th class="num">New</th><th class="num">Skip</th><th class="num">Imported</th></tr></thead>
      <tbody>
      <?cs each:c = ByLocation ?><tr><td><?cs var:c.name ?></td><td class="num"><?cs var:c.match ?></td><td class="num"><?cs var:c.new ?></td><td class="num"><?cs var:c.skip ?></td><td class="num"><?cs var:c.imported ?></td></tr><?cs /each ?>
      </tbody>
    </table>
  </section>
</div>

<nav class="activity-tabs" aria-label="Groups">
  <?cs each:t = Tabs ?>
  <a href="<?cs var:t.href ?>"<?cs if:t.active ?> class="active" aria-current="page"<?cs /if ?>><?cs var:t.label ?> <span class="activity-count"><?cs var:t.count ?></span></a>
  <?cs /each ?>
</nav>
<p class="muted" id="group-hint"><?cs if:Group.name == "match" ?>A mailbox with the same email already exists (made by hand): importing connects it to the membership. No second mailbox, no new invitation.<?cs
  elif:Group.name == "new" ?>Importing creates a mailbox with the linked offering, in the space linked to the location, and an invitation unless you choose otherwise.<?cs
  else ?>These are not imported: each says why. Fix it in OfficeRnD or on the OfficeRnD card, then load again.<?cs /if ?></p>

<form method="post" action="/settings/integrations/officernd/members/import" id="import-form">
  <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
  <table class="existing-table">
    <thead><tr><?cs if:Group.name != "skip" ?><th>Import?</th><?cs /if ?><th>Member</th><th>Plan</th><th>Location</th><th>Start</th><th><?cs if:Group.name == "skip" ?>Why skipped<?cs else ?>Status<?cs /if ?></th></tr></thead>
    <tbody>
    <?cs each:r = Rows ?>
      <tr id="row-<?cs var:r.id ?>">
        <?cs if:Group.name != "skip" ?><td><?cs if:r.tickable ?><input type="checkbox" name="row" value="<?cs var:r.id ?>" aria-label="Import <?cs var:r.name ?>"><?cs /if ?></td><?cs /if ?>
        <td><?cs var:r.name ?><div class="muted"><?cs var:r.email ?><?cs if:r.company ?> · <?cs var:r.company ?><?cs /if ?></div></td>
        <td><?cs var:r.plan ?></td>
        <td><?cs var:r.location ?></td>
        <td><?cs var:r.start ?></td>
        <td><?cs if:r.state_label ?><span class="badge<?cs if:r.state == "imported" ?> ok<?cs elif:r.state == "queued" ?> warn<?cs /if ?>"><?cs var:r.state_label ?></span><?cs /if ?>
          <?cs if:r.mailbox_id ?><a href="/mailboxes/<?cs var:r.mailbox_id ?>">view</a><?cs /if ?>
          <div class="muted"><?cs if:r.outcome ?><?cs var:r.outcome ?><?cs else ?><?cs var:r.reason ?><?cs /if ?></div></td>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
  <?cs if:!RowsAny ?><p class="muted">No memberships in this group.</p><?cs /if ?>
  <p class="existing-paging"><?cs if:RowsFirst ?><a href="<?cs var:RowsFirst ?>">First page</a> <?cs /if ?><?cs if:RowsNext ?><a href="<?cs var:RowsNext ?>">Next 100 &rarr;</a><?cs /if ?></p>
  <?cs if:Group.name != "skip" && Group.open > 0 ?>
  <fieldset class="form existing-choose">
    <legend>Import</legend>
    <label class="check"><input type="checkbox" name="all" value="<?cs var:Group.name ?>"> Every member of the
      <?cs var:Group.label ?> group not imported yet (<?cs var:Group.open ?>, on every page), not only the ticked ones</label>
    <label class="check"><input type="radio" name="invite" value="now" checked> Invite now: each new mailbox's
      member gets an invitation email</label>
    <label class="check"><input type="radio" name="invite" value="later"> Create without inviting: no email is
      sent; send invitations later from each mailbox's page</label>
    <div class="actions"><button type="submit" class="primary">Import</button></div>
  </fieldset>
  <?cs /if ?>
</form>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
