<?cs include:"layout_head.cs" ?>
<section class="card narrow">
  <h1>Sign in to your mailbox</h1>
  <p class="muted">For mailbox holders. Use the email your invitation was sent to and the password you chose.</p>
  <?cs if:Login.error ?><div class="flash flash-error" role="alert"><?cs var:Login.error ?></div><?cs /if ?>
  <form method="post" action="/my/login" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <input type="hidden" name="next" value="<?cs var:Login.next ?>">
    <label>Email <input type="email" name="email" value="<?cs var:Login.email ?>" required autofocus autocomplete="username"></label>
    <label>Password <input type="password" name="password" required autocomplete="current-password"></label>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p class="muted"><a href="/my/password/forgot">Forgot your password?</a></p>
  <p class="muted renter-note">New here? Open the link in your invitation email to choose a password.</p>
</section>
<?cs include:"layout_foot.cs" ?>
