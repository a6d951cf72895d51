<?cs include:"layout_head.cs" ?>
<section class="card narrow invite-card">
<?cs if:Invite.state == "pending" ?>
  <p class="muted invite-from"><?cs var:Invite.operator ?></p>
  <h1>Set up your mailbox</h1>
  <p><?cs if:Invite.renter_name ?>Hello <?cs var:Invite.renter_name ?>, <?cs /if ?><?cs var:Invite.operator ?> has a mailbox ready for you.</p>
  <dl class="mailboxes-facts invite-facts">
    <dt>Mailbox number (PMB)</dt><dd class="mailboxes-pmb" id="invite-pmb"><?cs var:Invite.pmb ?></dd>
    <?cs if:Invite.space ?><dt>Space</dt><dd id="invite-space"><?cs var:Invite.space ?></dd><?cs /if ?>
    <?cs if:Invite.offering ?><dt>Plan</dt><dd><?cs var:Invite.offering ?></dd><?cs /if ?>
    <dt>Sign-in email</dt><dd><?cs var:Invite.email ?></dd>
  </dl>
  <?cs if:Invite.error ?><div class="flash flash-error" role="alert"><?cs var:Invite.error ?></div><?cs /if ?>
  <form method="post" class="form">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <input type="email" name="username" value="<?cs var:Invite.email ?>" autocomplete="username" hidden readonly>
    <label>Choose a password
      <input type="password" name="password" minlength="8" required autofocus autocomplete="new-password"<?cs if:Invite.error ?> aria-invalid="true"<?cs /if ?>>
      <span class="hint">At least 8 characters.</span>
    </label>
    <label>Type it again
      <input type="password" name="password_confirm" minlength="8" required autocomplete="new-password">
    </label>
    <button type="submit" class="primary">Set password and open my mailbox</button>
  </form>
  <p class="muted invite-expiry">This link works once and until <?cs var:Invite.expires ?>.</p>
<?cs elif:Invite.state == "accepted" ?>
  <h1>This invitation has already been used</h1>
  <p>The mailbox is set up. Sign in with your email and the password you chose.</p>
  <p><a class="button primary" href="/my/login">Sign in</a></p>
<?cs elif:Invite.state == "expired" ?>
  <h1>This invitation has expired</h1>
  <p>Invitation links work for two weeks. Ask <?cs var:Invite.operator ?> to send you a new one.</p>
<?cs elif:Invite.state == "revoked" ?>
  <h1>This invitation is no longer valid</h1>
  <p><?cs var:Invite.operator ?> has withdrawn it or sent a newer one. Use the link in the most recent email, or ask them for a new invitation.</p>
<?cs else ?>
  <h1>Invitation not found</h1>
  <p>This link is not a valid invitation. Check that you copied the whole address from the email.</p>
<?cs /if ?>
</section>
<?cs include:"layout_foot.cs" ?>
