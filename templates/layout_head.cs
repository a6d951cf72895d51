<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.title ?> · pilotomail</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="/">pilotomail</a>
  <?cs if:Nav.operator ?>
  <details class="nav-menu" open>
  <summary class="nav-toggle">Menu</summary>
  <div class="nav-panel">
  <nav class="nav" aria-label="Main">
    <a href="/mail"<?cs if:Nav.section == "mail" ?> aria-current="page" class="active"<?cs /if ?>>Mail</a>
    <a href="/mailboxes"<?cs if:Nav.section == "mailboxes" ?> aria-current="page" class="active"<?cs /if ?>>Mailboxes</a>
    <a href="/spaces"<?cs if:Nav.section == "spaces" ?> aria-current="page" class="active"<?cs /if ?>>Spaces</a>
    <a href="/offerings"<?cs if:Nav.section == "offerings" ?> aria-current="page" class="active"<?cs /if ?>>Offerings</a>
    <a href="/charges"<?cs if:Nav.section == "charges" ?> aria-current="page" class="active"<?cs /if ?>>Charges</a>
    <a href="/activity"<?cs if:Nav.section == "activity" ?> aria-current="page" class="active"<?cs /if ?>>Activity</a>
    <a href="/settings/integrations"<?cs if:Nav.section == "settings" ?> aria-current="page" class="active"<?cs /if ?>>Settings</a>
  </nav>
  <form class="signout" method="post" action="/logout">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <a class="who" href="/account" title="Your account"<?cs if:Nav.section == "account" ?> aria-current="page"<?cs /if ?>><?cs var:Nav.email ?></a>
    <button type="submit" class="link">Sign out</button>
  </form>
  </div>
  </details>
  <?cs elif:Nav.renter ?>
  <details class="nav-menu" open>
  <summary class="nav-toggle">Menu</summary>
  <div class="nav-panel">
  <nav class="nav" aria-label="Main"><a href="/my" class="active">My mailbox</a></nav>
  <form class="signout" method="post" action="/my/logout">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <span class="who"><?cs var:Nav.email ?></span>
    <button type="submit" class="link">Sign out</button>
  </form>
  </div>
  </details>
  <?cs /if ?>
</header>
<main class="page">
<?cs if:Conn.notice ?>
<div class="flash flash-error connect-notice" role="alert" id="connection-notice">
  <strong>OfficeRnD:</strong> <?cs var:Conn.notice ?><?cs if:Conn.missing_events ?> Missing: <?cs var:Conn.missing_events ?>.<?cs /if ?><?cs if:Conn.credentials_error ?> <?cs var:Conn.credentials_error ?>.<?cs /if ?>
  <?cs if:Conn.fix ?><form method="post" action="/settings/integrations/officernd/fix" class="connect-fix">
    <input type="hidden" name="csrf_token" value="<?cs var:CSRF ?>">
    <input type="hidden" name="back" value="<?cs var:Page.path ?>">
    <button type="submit" class="primary" id="connection-fix"><?cs var:Conn.fix ?></button>
  </form><?cs else ?> <a href="/settings/integrations/officernd">Fix them on the OfficeRnD card</a><?cs /if ?>
</div>
<?cs /if ?>
<?cs if:Flash.message ?>
<div class="flash flash-<?cs var:Flash.kind ?>" role="status"><?cs var:Flash.message ?></div>
<?cs /if ?>
