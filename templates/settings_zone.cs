<?cs include:"layout_head.cs" ?>
<nav class="integrations-crumbs" aria-label="Breadcrumb"><a href="/settings/integrations">Settings</a> &rsaquo; Time zone</nav>
<section class="card settings-zone">
  <h1>Time zone</h1>
  <p class="muted">Every date and time on your pages, and on your renters' pages, is shown in this time zone.
    It is now <time id="zone-now"><?cs var:Zone.now ?></time>.</p>
  <?cs if:Zone.error ?><div class="flash flash-error" role="alert" id="zone-error"><?cs var:Zone.error ?></div><?cs /if ?>
  <form method="post" action="/settings/time-zone" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label for="timezone">Time zone
      <span class="hint">Zones are named after a city in them, for example Europe/Berlin or America/New_York.</span>
    </label>
    <select id="timezone" name="timezone"<?cs if:Zone.error ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Zone.extra ?><option value="<?cs var:Zone.extra ?>" selected><?cs var:Zone.extra ?></option><?cs /if ?>
      <?cs each:z = Zones ?><option value="<?cs var:z.name ?>"<?cs if:z.selected ?> selected<?cs /if ?>><?cs var:z.name ?></option><?cs /each ?>
    </select>
    <div class="actions">
      <button type="submit" class="primary">Save time zone</button>
    </div>
  </form>
</section>
<?cs include:"layout_foot.cs" ?>
