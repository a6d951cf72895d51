<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.title ?> · pilotomail</title>
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
    <span class="who"><?cs var:Nav.email ?></span>
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
<?cs if:Flash.message ?>
<div class="flash flash-<?cs var:Flash.kind ?>" role="status"><?cs var:Flash.message ?></div>
<?cs /if ?>
