<?cs include:"layout_head.cs" ?>
<p class="muted"><a href="/my/mail">← My mail</a></p>
<h1><?cs var:Ask.label ?> of <?cs var:Ask.reference ?></h1>
<?cs if:Ask.error ?><div class="flash flash-error" role="alert"><?cs var:Ask.error ?></div><?cs /if ?>
<section class="card">
  <p><strong><?cs var:Ask.reference ?></strong> <span class="muted"><?cs var:Ask.kind ?><?cs if:Ask.sender ?> from <?cs var:Ask.sender ?><?cs /if ?>, received <?cs var:Ask.received_on ?></span></p>
  <?cs if:Ask.refused ?>
  <div class="notice" role="status" id="request-refused"><?cs var:Ask.refused ?></div>
  <p><a class="button" href="/my/mail">Back to my mail</a></p>
  <?cs else ?>
  <p id="request-price"><strong>Price:</strong> <?cs var:Ask.price ?></p>
  <form method="post" action="/my/mail/<?cs var:Ask.item_id ?>/request" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <input type="hidden" name="action" value="<?cs var:Ask.action ?>">
    <?cs if:Ask.action == "forward" ?>
    <label for="forward-address">Forward to (name and full postal address)</label>
    <textarea id="forward-address" name="forward_address" rows="5" maxlength="500" required autocomplete="shipping street-address"><?cs var:Ask.address ?></textarea>
    <?cs if:Ask.address_kept ?><span class="hint">The address you used last time: change it if this item goes elsewhere.</span><?cs /if ?>
    <div class="actions"><button type="submit" class="primary">Request forwarding</button> <a href="/my/mail">Cancel</a></div>
    <?cs elif:Ask.action == "shred" ?>
    <div class="notice" role="status"><strong>Shredding destroys <?cs var:Ask.reference ?> for good.</strong> It cannot be undone, and nothing else can be asked for it afterwards<?cs if:Ask.scanned ?>; its scan is deleted too<?cs /if ?>.</div>
    <input type="hidden" name="confirm" value="yes">
    <div class="actions"><button type="submit" class="danger">Yes, shred <?cs var:Ask.reference ?></button> <a href="/my/mail">No, keep it</a></div>
    <?cs else ?>
    <div class="actions"><button type="submit" class="primary">Request <?cs var:Ask.noun ?></button> <a href="/my/mail">Cancel</a></div>
    <?cs /if ?>
  </form>
  <?cs /if ?>
</section>
<?cs include:"layout_foot.cs" ?>
