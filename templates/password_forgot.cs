<?cs include:"layout_head.cs" ?>
<section class="card narrow">
  <h1>Reset your password</h1>
<?cs if:Reset.state == "sent" ?>
  <div class="flash flash-ok" role="status" id="reset-sent">Check your email.</div>
  <p>If <strong><?cs var:Reset.email ?></strong> belongs to <?cs if:Reset.renter ?>a mailbox account<?cs else ?>an operator account<?cs /if ?>, a link to choose a new password is on its way. It works once, for <?cs var:Reset.minutes ?> minutes.</p>
  <p class="muted">No email after a few minutes? Check the spam folder, or make sure you typed the address your account uses.</p>
  <p><a href="<?cs var:Reset.prefix ?>/login">Back to sign-in</a></p>
<?cs else ?>
  <p class="muted">Enter the email address of your <?cs if:Reset.renter ?>mailbox<?cs else ?>operator<?cs /if ?> account. We will send you a link to choose a new password.</p>
  <?cs if:Reset.error ?><div class="flash flash-error" role="alert"><?cs var:Reset.error ?></div><?cs /if ?>
  <form method="post" action="<?cs var:Reset.prefix ?>/password/forgot" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <label>Email <input type="email" name="email" value="<?cs var:Reset.email ?>" required autofocus autocomplete="username"<?cs if:Reset.error ?> aria-invalid="true"<?cs /if ?>></label>
    <button type="submit" class="primary">Send the link</button>
  </form>
  <p class="muted"><a href="<?cs var:Reset.prefix ?>/login">Back to sign-in</a></p>
<?cs /if ?>
</section>
<?cs include:"layout_foot.cs" ?>
