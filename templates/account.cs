<?cs include:"layout_head.cs" ?>
<h1>Your account</h1>
<section class="card narrow" id="account-name">
  <h2>Name</h2>
  <p class="muted">Signed in as <strong id="account-email"><?cs var:Account.email ?></strong>. Renters see this name on their pages and as the sender of their emails.</p>
  <?cs if:Account.name_error ?><div class="flash flash-error" role="alert"><?cs var:Account.name_error ?></div><?cs /if ?>
  <form method="post" action="/account/name" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label>Display name <input type="text" name="name" value="<?cs var:Account.name ?>" maxlength="200" required autocomplete="organization"<?cs if:Account.name_error ?> aria-invalid="true"<?cs /if ?>></label>
    <button type="submit" class="primary">Save name</button>
  </form>
</section>
<section class="card narrow" id="account-password">
  <h2>Password</h2>
  <?cs if:Account.error ?><div class="flash flash-error" role="alert"><?cs var:Account.error ?></div><?cs /if ?>
  <form method="post" action="/account/password" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <input type="email" name="username" value="<?cs var:Account.email ?>" autocomplete="username" hidden readonly>
    <label>Current password <input type="password" name="current_password" required autocomplete="current-password"></label>
    <label>New password
      <input type="password" name="password" minlength="8" required autocomplete="new-password">
      <span class="hint">At least 8 characters. Saving it signs you out everywhere else.</span>
    </label>
    <label>Type it again <input type="password" name="password_confirm" minlength="8" required autocomplete="new-password"></label>
    <button type="submit" class="primary">Change password</button>
  </form>
</section>
<?cs include:"layout_foot.cs" ?>
