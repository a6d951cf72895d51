<?cs include:"layout_head.cs" ?>
<div class="toolbar">
  <h1>Integrations</h1>
</div>
<p class="muted">Connect pilotomail to the platforms you run your spaces with.</p>
<p class="muted settings-zone-link">Dates and times show in your <a href="/settings/time-zone">time zone</a>.</p>
<?cs if:Stripe.error ?><div class="flash flash-error" role="alert"><?cs var:Stripe.error ?></div><?cs /if ?>
<div class="cards">
  <section class="card integrations-card" id="officernd-card">
    <div class="card-head">
      <h2>OfficeRnD</h2>
      <?cs if:ORN.configured && Health.credentials == "failing" ?><span class="badge err">failing</span><?cs elif:ORN.configured ?><span class="badge ok">connected</span><?cs else ?><span class="badge warn">not configured</span><?cs /if ?>
    </div>
    <p class="muted">Members who sign up in OfficeRnD for a linked plan get a mailbox and an invitation
      automatically; mail charges can go on their OfficeRnD invoices.</p>
    <dl class="integrations-facts">
      <dt>Organization</dt><dd><?cs if:ORN.org_slug ?><?cs var:ORN.org_slug ?><?cs else ?><span class="muted">not set</span><?cs /if ?></dd>
      <dt>Bill renters with OfficeRnD</dt><dd><?cs if:ORN.bill_renters ?>on<?cs else ?>off<?cs /if ?></dd>
      <dt>Mapping</dt><dd><?cs var:ORN.plan_links ?> plan<?cs if:ORN.plan_links != 1 ?>s<?cs /if ?>, <?cs var:ORN.location_links ?> location<?cs if:ORN.location_links != 1 ?>s<?cs /if ?> linked</dd>
    </dl>
    <div class="integrations-card-foot">
      <?cs if:ORN.configured && ORN.plan_links > 0 ?><a id="existing-members-link" href="/settings/integrations/officernd/members">Existing members</a><?cs /if ?>
      <a class="integrations-config" href="/settings/integrations/officernd" title="Configure OfficeRnD"><svg class="icon" aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 16 16"><path fill="currentColor" d="M6.6 0h2.8l.4 2.2 1.3.6 1.9-1.3 2 2-1.3 1.9.6 1.3 2.2.4v2.8l-2.2.4-.6 1.3 1.3 1.9-2 2-1.9-1.3-1.3.6-.4 2.2H6.6l-.4-2.2-1.3-.6-1.9 1.3-2-2 1.3-1.9-.6-1.3L0 9.4V6.6l2.2-.4.6-1.3-1.3-1.9 2-2 1.9 1.3 1.3-.6zM8 5a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/></svg> Configure</a>
    </div>
  </section>
  <section class="card integrations-card" id="stripe-card">
    <div class="card-head">
      <h2>Stripe</h2>
      <?cs if:Stripe.bill_renters ?><span class="badge ok">billing on</span><?cs else ?><span class="badge">billing off</span><?cs /if ?>
    </div>
    <p class="muted">Bill your mailbox renters through Stripe instead of OfficeRnD. Only one of the two
      may bill renters, so that no charge is ever billed twice.</p>
    <form method="post" action="/settings/integrations/stripe" class="form">
      <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
      <label class="check"><input type="checkbox" name="bill_renters" value="1"<?cs if:Stripe.bill_renters ?> checked<?cs /if ?>> Bill mailbox renters with Stripe?</label>
      <?cs if:ORN.bill_renters ?><p class="hint">OfficeRnD bills your renters now: turn &ldquo;Bill mailbox renters with OfficeRnD?&rdquo; off on the <a href="/settings/integrations/officernd">OfficeRnD card</a> before turning Stripe billing on.</p><?cs /if ?>
      <div class="actions"><button type="submit" class="primary">Save</button></div>
    </form>
  </section>
</div>
<?cs include:"layout_foot.cs" ?>
