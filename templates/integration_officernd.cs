<?cs include:"layout_head.cs" ?>
<nav class="integrations-crumbs" aria-label="Breadcrumb"><a href="/settings/integrations">Integrations</a> &rsaquo; OfficeRnD</nav>
<div class="toolbar">
  <h1>OfficeRnD</h1>
  <?cs if:Card.failing ?><span class="badge err" id="connection-badge">failing</span><?cs elif:Card.configured ?><span class="badge ok" id="connection-badge">connected</span><?cs else ?><span class="badge warn" id="connection-badge">not configured</span><?cs /if ?>
</div>
<p class="muted">Have your OfficeRnD account open next to this page: the steps below follow OfficeRnD's screens in order.</p>
<?cs if:Test.message ?>
<div class="flash <?cs if:Test.ok ?>flash-ok<?cs else ?>flash-error<?cs /if ?>" role="status" id="test-result"><strong>Test connection:</strong> <?cs var:Test.message ?></div>
<?cs /if ?>
<?cs if:Refused.message ?>
<div class="flash flash-error" role="alert" id="credentials-refused">
  <strong>OfficeRnD refused these settings, so nothing was saved:</strong> <?cs var:Refused.message ?>.
  <label class="check"><input type="checkbox" name="save_anyway" value="1" form="officernd-form"> Save anyway: store these values although OfficeRnD refused them (type the secrets again, then press Save changes)</label>
</div>
<?cs /if ?>
<?cs if:Card.configured ?>
<section class="card connect-health<?cs if:Health.bad ?> connect-health-bad<?cs /if ?>" id="connection-health" aria-labelledby="connection-health-title">
  <h2 id="connection-health-title">Connection</h2>
  <dl class="integrations-facts">
    <dt>Webhook</dt><dd id="health-webhook"><?cs var:Health.webhook_words ?><?cs if:Health.missing_events ?> Missing: <?cs var:Health.missing_events ?>.<?cs /if ?><?cs if:Health.webhook_error ?> <span class="integrations-reason"><?cs var:Health.webhook_error ?></span><?cs /if ?></dd>
    <dt>Last event received</dt><dd id="health-last-event"><?cs if:Health.last_event ?><?cs var:Health.last_event ?><?cs else ?>none yet<?cs /if ?></dd>
    <dt>Credentials</dt><dd id="health-credentials"><?cs var:Health.credentials_words ?><?cs if:Health.credentials_error ?> <span class="integrations-reason"><?cs var:Health.credentials_error ?></span><?cs /if ?></dd>
    <dt>Last checked</dt><dd id="health-checked"><?cs if:Health.checked ?><?cs var:Health.checked ?><?cs else ?>not yet<?cs /if ?></dd>
  </dl>
</section>
<?cs /if ?>
<?cs if:Errors.0 ?>
<div class="flash flash-error" role="alert" id="form-errors">
  <strong>Nothing was saved.</strong>
  <ul class="integrations-errors"><?cs each:e = Errors ?><li><?cs var:e ?></li><?cs /each ?></ul>
</div>
<?cs /if ?>
<?cs if:Card.secret_typed ?><div class="notice">The secrets you typed were not saved: enter them again before you save.</div><?cs /if ?>
<section class="card integrations-officernd">
  <form id="officernd-form" method="post" action="/settings/integrations/officernd" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">

    <div class="step" id="step-1">
      <div class="step-title"><span class="num">1</span> Organization name</div>
      <label for="org_slug">Organization name
        <span class="hint">In OfficeRnD, open Settings &rarr; My Account: it is the part after the slash in
          Admin Site (for https://app.officernd.com/admin/<b>acme-spaces</b> it is <b>acme-spaces</b>).
          Pasting the whole Admin Site address is fine.</span>
      </label>
      <input type="text" id="org_slug" name="org_slug" value="<?cs var:Card.org_slug ?>" placeholder="acme-spaces" autocomplete="off" spellcheck="false"<?cs if:Err.org_slug ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Err.org_slug ?><span class="integrations-field-error"><?cs var:Err.org_slug ?></span><?cs /if ?>
    </div>

    <div class="step" id="step-2">
      <div class="step-title"><span class="num">2</span> Client ID and Client Secret</div>
      <p class="hint">In OfficeRnD, open Settings &rarr; Developer Tools and click <b>Add Application</b>. Name it
        (for example pilotomail) and, under Permissions, enable exactly these scopes:</p>
      <ul class="integrations-scopes">
        <li><code>flex.community.members.read</code></li>
        <li><code>flex.community.memberships.read</code></li>
        <li><code>flex.community.companies.read</code></li>
        <li><code>flex.space.locations.read</code></li>
        <li><code>flex.billing.plans.read</code></li>
        <li><code>flex.community.fees.create</code></li>
        <li><code>flex.community.fees.read</code></li>
      </ul>
      <p class="hint" id="webhook-scopes">For one-click webhook registration (step 4) and the connection check, also enable:</p>
      <ul class="integrations-scopes">
        <li><code>flex.settings.webhooks.read</code></li>
        <li><code>flex.settings.webhooks.create</code></li>
        <li><code>flex.settings.webhooks.update</code></li>
        <li><code>flex.settings.webhooks.delete</code></li>
      </ul>
      <p class="hint">Save the application, then copy its client ID and client secret here.</p>
      <label for="client_id">Client ID</label>
      <input type="text" id="client_id" name="client_id" value="<?cs var:Card.client_id ?>" autocomplete="off" spellcheck="false"<?cs if:Err.client_id ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Err.client_id ?><span class="integrations-field-error"><?cs var:Err.client_id ?></span><?cs /if ?>
      <label for="client_secret">Client Secret
        <span class="secret-state"><?cs if:Card.client_secret_stored ?>A secret is stored &mdash; leave blank to keep it<?cs else ?>Not set<?cs /if ?></span>
      </label>
      <input type="password" id="client_secret" name="client_secret" value="" autocomplete="off"<?cs if:Err.client_secret ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Err.client_secret ?><span class="integrations-field-error"><?cs var:Err.client_secret ?></span><?cs /if ?>
      <div class="actions">
        <button type="submit" name="then" value="lists" id="save-load-plans" title="Save, then load the plans and locations for step 6">Save and load plans</button>
      </div>
      <p class="hint">Saves what is filled in so far and loads your OfficeRnD plans and locations, so the mapping (step 6) is ready when you get there.</p>
    </div>

    <div class="step" id="step-3">
      <div class="step-title"><span class="num">3</span> Billing</div>
      <label class="check"><input type="checkbox" id="bill_renters" name="bill_renters" value="1"<?cs if:Card.bill_renters ?> checked<?cs /if ?>> Bill mailbox renters with OfficeRnD?</label>
      <p class="hint">When on, every mail charge of your members (scans, forwarding, storage&hellip;) is sent to
        OfficeRnD and added to their next invoice. OfficeRnD is the one that charges the renters: pilotomail only adds
        the mail charges to their OfficeRnD invoices.</p>
      <?cs if:Card.stripe_on ?><div class="notice">Stripe billing is on, so this cannot be turned on: renters would be billed twice.
        Turn Stripe billing off first on the Stripe card of <a href="/settings/integrations">Settings &rarr; Integrations</a>.</div><?cs /if ?>
      <?cs if:Err.bill_renters ?><span class="integrations-field-error"><?cs var:Err.bill_renters ?></span><?cs /if ?>
    </div>

    <div class="step" id="step-4">
      <div class="step-title"><span class="num">4</span> Webhook URL</div>
      <?cs if:Card.configured ?>
      <div class="connect-register">
        <?cs if:Health.registered ?><p id="webhook-managed">pilotomail manages its webhook in OfficeRnD: it is registered with this URL and the three membership events, and its signing secret is stored (never shown).</p><?cs /if ?>
        <button type="submit" form="register-webhook-form" class="primary" id="register-webhook"><?cs if:Health.registered ?>Check and repair the webhook in OfficeRnD<?cs else ?>Register webhook in OfficeRnD<?cs /if ?></button>
        <p class="hint">One click: pilotomail adds (or adopts, if you already added one for this URL) the webhook with the
          three membership events and keeps its signing secret, so nothing needs copying. It needs the
          <code>flex.settings.webhooks.*</code> scopes of step 2; without them, set the webhook up by hand as below.</p>
      </div>
      <?cs /if ?>
      <p class="hint"><?cs if:Card.configured ?>By hand: in OfficeRnD<?cs else ?>In OfficeRnD<?cs /if ?>, open Settings &rarr; Developer Tools &rarr; Webhooks and click <b>Add Endpoint</b>.
        Paste this URL as the Endpoint URL and, under Events To Send, select <code>membership.created</code>,
        <code>membership.updated</code> and <code>membership.removed</code>; then click Add.</p>
      <div class="row">
        <input id="webhook-url" type="text" readonly value="<?cs var:Card.webhook_url ?>" aria-label="Webhook URL">
        <button type="button" data-copy="#webhook-url">Copy</button>
        <button type="submit" form="webhook-token-form" class="danger" title="Make a new webhook URL; the current one stops working<?cs if:Health.registered ?> and pilotomail moves its webhook in OfficeRnD to it<?cs /if ?>">Regenerate</button>
      </div>
    </div>

    <div class="step" id="step-5">
      <div class="step-title"><span class="num">5</span> Signing Secret</div>
      <label for="signing_secret">Signing Secret
        <span class="secret-state"><?cs if:Card.signing_secret_stored ?>A secret is stored &mdash; leave blank to keep it<?cs else ?>Not set<?cs /if ?></span>
      </label>
      <?cs if:Health.registered ?><p class="hint" id="signing-secret-registered">Stored when pilotomail registered the webhook: nothing to paste.</p><?cs else ?>
      <p class="hint">In OfficeRnD, click the webhook you just added, go to Signing Secret, click <b>Click to Reveal</b>
        and copy it here.</p><?cs /if ?>
      <input type="password" id="signing_secret" name="signing_secret" value="" autocomplete="off"<?cs if:Err.signing_secret ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Err.signing_secret ?><span class="integrations-field-error"><?cs var:Err.signing_secret ?></span><?cs /if ?>
    </div>

    <div class="step" id="step-6">
      <div class="step-title"><span class="num">6</span> Mapping</div>
      <p class="hint">A member who signs up in OfficeRnD for a linked plan gets a mailbox with the linked offering,
        in the space linked to the membership's location, and an invitation email.</p>
      <?cs if:!Lists.configured ?>
      <div class="notice" id="lists-notice">Fill in steps 1&ndash;2 (organization name, client ID and client secret) and save first:
        pilotomail then loads the plans and locations from your OfficeRnD account.<?cs if:PlanRowsAny || LocationRowsAny ?> Showing the saved mapping.<?cs /if ?></div>
      <?cs else ?>
      <div class="row integrations-lists" id="lists-status">
        <span id="lists-loaded"><?cs if:Lists.loaded ?>Lists loaded from OfficeRnD <?cs var:Lists.fetched ?>.<?cs
          else ?>The plans and locations appear here once pilotomail's worker has loaded them from your OfficeRnD account,
          usually within seconds of saving: reload this page in a moment.<?cs /if ?></span>
        <?cs if:Lists.refreshing ?><strong id="lists-refreshing">Refreshing&hellip;</strong><?cs /if ?>
        <button type="submit" form="refresh-lists-form" title="Load the plans and locations from OfficeRnD again">Refresh lists</button>
      </div>
      <?cs if:Lists.error ?><div class="notice flash-error" id="lists-error" role="status">The last refresh of the lists
        (<?cs var:Lists.error_at ?>) failed: <span class="integrations-reason"><?cs var:Lists.error ?></span>.
        <?cs if:Lists.loaded ?>Showing the lists loaded <?cs var:Lists.fetched ?>.<?cs else ?>Showing the saved mapping.<?cs /if ?></div><?cs /if ?>
      <?cs /if ?>

      <h3 class="integrations-subhead">Plans &rarr; Mailbox Offerings</h3>
      <?cs if:!Offerings.0.id ?><p class="hint">You have no mailbox offerings yet: create them under <a href="/offerings">Offerings</a> first.</p><?cs /if ?>
      <div id="plan-rows">
        <?cs each:row = PlanRows ?>
        <div class="mapping-row"<?cs if:row.orn_id ?> id="plan-<?cs var:row.orn_id ?>"<?cs /if ?>>
          <select name="plan_id" aria-label="OfficeRnD plan" data-fill="#plan-row-template"><option value="">Choose an OfficeRnD plan&hellip;</option><?cs each:o = row.orn ?><option value="<?cs var:o.id ?>"<?cs if:o.selected ?> selected<?cs /if ?>><?cs var:o.name ?></option><?cs /each ?></select>
          <select name="offering_id" aria-label="Mailbox offering" data-fill="#plan-row-template"><option value="">Choose an offering&hellip;</option><?cs each:o = row.local ?><option value="<?cs var:o.id ?>"<?cs if:o.selected ?> selected<?cs /if ?>><?cs var:o.name ?></option><?cs /each ?></select>
          <button type="button" data-remove-row aria-label="Remove this row">✕</button>
        </div>
        <?cs /each ?>
      </div>
      <?cs if:!PlanRowsAny ?><p class="hint integrations-none">No plans linked yet.</p><?cs elif:Card.configured ?><p class="hint" id="existing-members-hint">Members already in OfficeRnD before you connected? <a href="/settings/integrations/officernd/members">Existing members</a> brings them in.</p><?cs /if ?>
      <?cs if:Lists.loaded ?><button type="button" class="add-row" data-add-row="#plan-row-template" data-into="#plan-rows"><svg class="icon" aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 14 14"><path d="M6 1h2v5h5v2H8v5H6V8H1V6h5z" fill="currentColor"/></svg> Add plan</button><?cs /if ?>
      <?cs if:Err.plans ?><span class="integrations-field-error"><?cs var:Err.plans ?></span><?cs /if ?>

      <h3 class="integrations-subhead">Locations &rarr; Spaces</h3>
      <?cs if:!Spaces.0.id ?><p class="hint">You have no spaces yet: create them under <a href="/spaces">Spaces</a> first.</p><?cs /if ?>
      <div id="location-rows">
        <?cs each:row = LocationRows ?>
        <div class="mapping-row"<?cs if:row.orn_id ?> id="location-<?cs var:row.orn_id ?>"<?cs /if ?>>
          <select name="location_id" aria-label="OfficeRnD location" data-fill="#location-row-template"><option value="">Choose an OfficeRnD location&hellip;</option><?cs each:o = row.orn ?><option value="<?cs var:o.id ?>"<?cs if:o.selected ?> selected<?cs /if ?>><?cs var:o.name ?></option><?cs /each ?></select>
          <select name="space_id" aria-label="Space" data-fill="#location-row-template"><option value="">Choose a space&hellip;</option><?cs each:o = row.local ?><option value="<?cs var:o.id ?>"<?cs if:o.selected ?> selected<?cs /if ?>><?cs var:o.name ?></option><?cs /each ?></select>
          <button type="button" data-remove-row aria-label="Remove this row">✕</button>
        </div>
        <?cs /each ?>
      </div>
      <?cs if:!LocationRowsAny ?><p class="hint integrations-none">No locations linked yet.</p><?cs /if ?>
      <?cs if:Lists.loaded ?><button type="button" class="add-row" data-add-row="#location-row-template" data-into="#location-rows"><svg class="icon" aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 14 14"><path d="M6 1h2v5h5v2H8v5H6V8H1V6h5z" fill="currentColor"/></svg> Add location</button><?cs /if ?>
      <?cs if:Err.locations ?><span class="integrations-field-error"><?cs var:Err.locations ?></span><?cs /if ?>

      <h3 class="integrations-subhead">Mail charges plan</h3>
      <label for="charge_plan_id">Mail charges plan
        <span class="hint">The OfficeRnD plan every mail charge is booked against on the invoice, usually a one-off
          service plan such as &ldquo;Mail handling&rdquo;.</span>
      </label>
      <select id="charge_plan_id" name="charge_plan_id"<?cs if:Err.charge_plan_id ?> aria-invalid="true"<?cs /if ?>>
        <option value="">Choose a plan&hellip;</option>
        <?cs each:o = ChargePlans ?><option value="<?cs var:o.id ?>"<?cs if:o.selected ?> selected<?cs /if ?>><?cs var:o.name ?></option><?cs /each ?>
      </select>
      <?cs if:Err.charge_plan_id ?><span class="integrations-field-error"><?cs var:Err.charge_plan_id ?></span><?cs /if ?>
    </div>

    <div class="step sticky-actions" id="step-7">
      <div class="step-title"><span class="num">7</span> Save and test</div>
      <div class="actions">
        <button type="submit" class="primary">Save changes</button>
        <button type="submit" formaction="/settings/integrations/officernd/test">Test connection</button>
      </div>
      <p class="hint">Test connection tries what is on this form (the stored secret where the field is blank)
        and saves nothing.</p>
    </div>
  </form>
  <form id="webhook-token-form" method="post" action="/settings/integrations/officernd/webhook-token"
        data-confirm="<?cs if:Health.registered ?>Make a new webhook URL? pilotomail moves its webhook in OfficeRnD to it at once.<?cs else ?>Make a new webhook URL? The current one stops working at once: paste the new one into OfficeRnD.<?cs /if ?>">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
  </form>
  <form id="refresh-lists-form" method="post" action="/settings/integrations/officernd/refresh-lists">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
  </form>
  <form id="register-webhook-form" method="post" action="/settings/integrations/officernd/register-webhook">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
  </form>
  <template id="plan-row-template">
    <div class="mapping-row">
      <select name="plan_id" aria-label="OfficeRnD plan"><option value="">Choose an OfficeRnD plan&hellip;</option><?cs each:o = Plans ?><option value="<?cs var:o.id ?>"><?cs var:o.name ?></option><?cs /each ?></select>
      <select name="offering_id" aria-label="Mailbox offering"><option value="">Choose an offering&hellip;</option><?cs each:o = Offerings ?><option value="<?cs var:o.id ?>"><?cs var:o.name ?></option><?cs /each ?></select>
      <button type="button" data-remove-row aria-label="Remove this row">✕</button>
    </div>
  </template>
  <template id="location-row-template">
    <div class="mapping-row">
      <select name="location_id" aria-label="OfficeRnD location"><option value="">Choose an OfficeRnD location&hellip;</option><?cs each:o = Locations ?><option value="<?cs var:o.id ?>"><?cs var:o.name ?></option><?cs /each ?></select>
      <select name="space_id" aria-label="Space"><option value="">Choose a space&hellip;</option><?cs each:o = Spaces ?><option value="<?cs var:o.id ?>"><?cs var:o.name ?></option><?cs /each ?></select>
      <button type="button" data-remove-row aria-label="Remove this row">✕</button>
    </div>
  </template>
</section>
<?cs if:Card.configured ?>
<section class="card connect-disconnect" id="disconnect">
  <h2>Disconnect OfficeRnD</h2>
  <p class="hint">Deletes pilotomail's webhook in OfficeRnD and erases the stored credentials and secrets. Mailboxes stay as
    they are; queued charges stay queued until you connect again. You see the full list before anything happens.</p>
  <a class="button danger" href="/settings/integrations/officernd/disconnect">Disconnect OfficeRnD&hellip;</a>
</section>
<?cs /if ?>
<?cs include:"layout_foot.cs" ?>
