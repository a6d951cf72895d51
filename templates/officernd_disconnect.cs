<?cs include:"layout_head.cs" ?>
<nav class="integrations-crumbs" aria-label="Breadcrumb"><a href="/settings/integrations">Integrations</a> &rsaquo; <a href="/settings/integrations/officernd">OfficeRnD</a> &rsaquo; Disconnect</nav>
<h1>Disconnect OfficeRnD?</h1>
<?cs if:!Disconnect.configured ?><p class="notice" id="disconnect-not-connected">OfficeRnD is not connected now: disconnecting only erases what is left of the settings.</p><?cs /if ?>
<section class="card" id="disconnect-consequences">
  <p>Disconnecting <?cs if:Disconnect.org_slug ?>OfficeRnD organization <strong><?cs var:Disconnect.org_slug ?></strong><?cs else ?>OfficeRnD<?cs /if ?> does this:</p>
  <ul>
    <li>It deletes pilotomail's webhook in OfficeRnD<?cs if:!Disconnect.registered ?> (the one posting to this account's webhook URL)<?cs /if ?>, so OfficeRnD stops sending membership changes.</li>
    <li>It erases the stored organization name, client ID, client secret and signing secret.</li>
    <li>It stops booking mail charges as OfficeRnD fees<?cs if:Disconnect.bill_renters ?> (&ldquo;Bill mailbox renters with OfficeRnD?&rdquo; is turned off)<?cs /if ?>. Charges already queued stay queued and visible on the <a href="/charges">Charges</a> page, and are booked once you connect again and turn billing back on.</li>
    <li>It leaves every mailbox as it is, and keeps the plan and location mapping for when you connect again.</li>
  </ul>
  <form method="post" action="/settings/integrations/officernd/disconnect" class="actions">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <button type="submit" class="danger">Disconnect OfficeRnD</button>
    <a href="/settings/integrations/officernd">Cancel</a>
  </form>
</section>
<?cs include:"layout_foot.cs" ?>
