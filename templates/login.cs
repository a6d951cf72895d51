<?cs include:"layout_head.cs" ?>
<section class="card narrow">
  <h1>Sign in</h1>
  <p class="muted">Operators of pilotomail sign in here.</p>
  <?cs if:Login.error ?><div class="flash flash-error" role="alert"><?cs var:Login.error ?></div><?cs /if ?>
  <form method="post" action="/login" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <input type="hidden" name="next" value="<?cs var:Login.next ?>">
    <label>Email <input type="email" name="email" value="<?cs var:Login.email ?>" required autofocus autocomplete="username"></label>
    <label>Password <input type="password" name="password" required autocomplete="current-password"></label>
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p class="muted"><a href="/password/forgot">Forgot your password?</a></p>
</section>
<?cs include:"layout_foot.cs" ?>
