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
      <?cs if:ORN.configured ?><span class="badge ok">connected</span><?cs else ?><span class="badge warn">not configured</span><?cs /if ?>
    </div>
    <p class="muted">Members who sign up in OfficeRnD for a linked plan get a mailbox and an invitation
      automatically; mail charges can go on their OfficeRnD invoices.</p>
    <dl class="integrations-facts">
      <dt>Organization</dt><dd><?cs if:ORN.org_slug ?><?cs var:ORN.org_slug ?><?cs else ?><span class="muted">not set</span><?cs /if ?></dd>
      <dt>Bill renters with OfficeRnD</dt><dd><?cs if:ORN.bill_renters ?>on<?cs else ?>off<?cs /if ?></dd>
      <dt>Mapping</dt><dd><?cs var:ORN.plan_links ?> plan<?cs if:ORN.plan_links != 1 ?>s<?cs /if ?>, <?cs var:ORN.location_links ?> location<?cs if:ORN.location_links != 1 ?>s<?cs /if ?> linked</dd>
    </dl>
    <div class="integrations-card-foot">
      <a class="integrations-config" href="/settings/integrations/officernd" title="Configure OfficeRnD" aria-label="Configure OfficeRnD">&#9881;&#65039;</a>
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
