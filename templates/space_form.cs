<?cs include:"layout_head.cs" ?>
<p class="muted"><a href="/spaces">← Spaces</a></p>
<section class="card spaces-form">
  <h1>Rename space</h1>
  <form method="post" action="/spaces/<?cs var:Form.id ?>" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label>Name
      <input type="text" name="name" value="<?cs var:Form.name ?>" maxlength="100" required autofocus<?cs if:Form.error ?> aria-invalid="true"<?cs /if ?>>
      <?cs if:Form.error ?><span class="spaces-error" role="alert"><?cs var:Form.error ?></span><?cs /if ?>
      <span class="hint">Up to 100 characters, different from your other spaces.</span>
    </label>
    <div class="actions">
      <button type="submit" class="primary">Save</button>
      <a class="button" href="/spaces">Cancel</a>
    </div>
  </form>
</section>
<?cs include:"layout_foot.cs" ?>
