<?cs include:"layout_head.cs" ?>
<section class="card narrow">
<?cs if:Reset.state == "valid" ?>
  <h1>Choose a new password</h1>
  <?cs if:Reset.error ?><div class="flash flash-error" role="alert"><?cs var:Reset.error ?></div><?cs /if ?>
  <form method="post" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label>New password
      <input type="password" name="password" minlength="8" required autofocus autocomplete="new-password"<?cs if:Reset.error ?> aria-invalid="true"<?cs /if ?>>
      <span class="hint">At least 8 characters.</span>
    </label>
    <label>Type it again
      <input type="password" name="password_confirm" minlength="8" required autocomplete="new-password">
    </label>
    <button type="submit" class="primary">Save the new password</button>
  </form>
  <p class="muted">Saving it signs you out everywhere else.</p>
<?cs elif:Reset.state == "used" ?>
  <h1>This link has already been used</h1>
  <p>Each reset link works once. If you still cannot sign in, <a href="<?cs var:Reset.prefix ?>/password/forgot">ask for a new link</a>.</p>
<?cs elif:Reset.state == "expired" ?>
  <h1>This link has expired</h1>
  <p>Reset links work for an hour. <a href="<?cs var:Reset.prefix ?>/password/forgot">Ask for a new link</a>.</p>
<?cs else ?>
  <h1>Reset link not found</h1>
  <p>This is not a valid reset link. Check that you copied the whole address from the email, or <a href="<?cs var:Reset.prefix ?>/password/forgot">ask for a new link</a>.</p>
<?cs /if ?>
</section>
<?cs include:"layout_foot.cs" ?>
