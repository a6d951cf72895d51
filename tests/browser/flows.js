'use strict';
/*
 * pilotomail's browser flows: Debian's chromium driven by playwright-core, one phase per call.
 *
 *   node flows.js PHASE      with BROWSER_CONFIG = JSON {base, width, height, shots, user, ...}
 *
 * test_browser.py starts the real programs (lighttpd, FastCGI, simulator, SMTP sink), runs the
 * server-side steps between phases (the worker, OfficeRnD's webhook) and calls this once per
 * phase. Every page visited is checked (console errors, CSP violations, 4xx/5xx resources,
 * horizontal scroll, serious or critical axe-core findings) and screenshotted. The last line
 * printed is one JSON object: {"ok": bool, "problems": [...], "data": {...}}.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const cfg = JSON.parse(process.env.BROWSER_CONFIG || '{}');
const problems = [];
const data = {};
const phone = cfg.width < 600;

/* Problems the page reports between two checks (console, CSP, responses), by page name. */
let pending = [];
let shotCount = 0;

/*
 * Chromium asks for /favicon.ico by itself. Until the project ships a favicon (issue 11 item 8,
 * another branch) that 404 is the one known error; once static/ has a favicon it counts again.
 */
const FAVICON_SHIPPED = fs.readdirSync(path.join(__dirname, '..', '..', 'static'))
  .some((f) => f.startsWith('favicon'));

function knownGap(url) {
  return !FAVICON_SHIPPED && /\/favicon\.ico$/.test(url || '');
}

function watch(page) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location() && msg.location().url;
    if (!knownGap(where)) pending.push('console error: ' + msg.text() + (where ? ' (' + where + ')' : ''));
  });
  page.on('pageerror', (err) => pending.push('script error: ' + err.message));
  page.on('response', (resp) => {
    if (resp.status() >= 400 && !knownGap(resp.url())) pending.push('HTTP ' + resp.status() + ' for ' + resp.url());
  });
  page.on('requestfailed', (req) => pending.push('request failed: ' + req.url() + ' ' +
    (req.failure() ? req.failure().errorText : '')));
}

/* The page reports its own CSP violations: the event never reaches Playwright otherwise. */
function reportCspViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
  });
}

async function axeFindings(page) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate((tags) => window.axe.run(document,
    { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), AXE_TAGS);
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => 'axe ' + v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
      v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
}

/* Checks the page as it is now and saves its screenshot as NN-name.png. */
async function check(page, name) {
  await page.waitForLoadState('load');
  const found = pending.splice(0);
  /* Against the screen's width: a phone widens its layout viewport (innerWidth) to fit a page
   * that overflows, so innerWidth alone would hide the very scroll looked for. */
  const size = await page.evaluate(() => ({
    scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth }));
  if (size.scroll > cfg.width || size.inner > cfg.width) {
    found.push('horizontal scroll: the page is ' + size.scroll + ' px wide on a ' + cfg.width +
      ' px screen');
  }
  found.push(...await axeFindings(page));
  shotCount += 1;
  const phaseNo = Object.keys(PHASES).indexOf(process.argv[2]) + 1;
  const file = path.join(cfg.shots, phaseNo + '.' + String(shotCount).padStart(2, '0') + '-' + name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  /* Anything the checks themselves caused (axe runs scripts) counts too. */
  found.push(...pending.splice(0));
  for (const f of found) problems.push(cfg.width + 'px ' + name + ' (' + page.url() + '): ' + f);
}

/* Follows a nav link as a person would: at phone width through the compact menu. */
let menuChecked = false;

async function navTo(page, label) {
  const toggle = page.locator('.nav-menu > summary');
  if (await toggle.count() && await toggle.isVisible()) {
    const open = await page.locator('.nav-menu').getAttribute('open');
    if (open === null) await toggle.click();
    if (!menuChecked) {
      menuChecked = true;
      await check(page, 'nav-menu-open');
    }
  }
  await page.locator('.nav').getByRole('link', { name: label, exact: true }).click();
  await page.waitForLoadState('load');
}

async function signIn(page) {
  await page.goto(cfg.base + '/login');
  await check(page, 'sign-in');
  await page.getByLabel(/email/i).fill(cfg.user.email);
  await page.getByLabel(/password/i).fill(cfg.user.password);
  await Promise.all([page.waitForNavigation(), page.locator('form button[type=submit]').first().click()]);
  await check(page, 'home');
}

async function submitAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

/* Phase 1: spaces and an offering, then steps 1-5 of the OfficeRnD card, saved. */
async function operatorSetup(page) {
  await signIn(page);
  await navTo(page, 'Spaces');
  await check(page, 'spaces-empty');
  await page.locator('.spaces-form input[name=name]').fill('Downtown');
  await submitAndWait(page, page.getByRole('button', { name: 'Add space' }));
  await check(page, 'spaces');

  await navTo(page, 'Offerings');
  await check(page, 'offerings-empty');
  await page.goto(cfg.base + '/offerings/new');
  await check(page, 'offering-new');
  const form = page.locator('.offerings-form form');
  await form.locator('input[name=name]').fill('Virtual Basic');
  await form.locator('input[name=monthly_price]').fill('20.00');
  for (const a of ['scan', 'forward', 'shred']) {
    await form.locator('#' + a + '_enabled').check();
    await form.locator('input[name=' + a + '_free]').fill('1');
    await form.locator('input[name=' + a + '_fee]').fill('2.50');
  }
  await submitAndWait(page, form.locator('button[type=submit].primary'));
  await check(page, 'offerings');

  await navTo(page, 'Settings');
  await check(page, 'integrations');
  await submitAndWait(page, page.locator('a[href="/settings/time-zone"]'));
  await check(page, 'time-zone');
  await page.locator('#timezone').selectOption(cfg.timeZone);
  await submitAndWait(page, page.getByRole('button', { name: 'Save time zone' }));
  await check(page, 'time-zone-saved');
  await navTo(page, 'Settings');
  await submitAndWait(page, page.locator('a[href="/settings/integrations/officernd"]').first());
  await check(page, 'officernd-card-empty');
  await page.locator('#org_slug').fill(cfg.org);
  await page.locator('#client_id').fill(cfg.clientId);
  await page.locator('#client_secret').fill(cfg.clientSecret);
  await page.locator('#signing_secret').fill(cfg.signingSecret);
  await submitAndWait(page, page.getByRole('button', { name: 'Save changes', exact: true }));
  await check(page, 'officernd-card-saved');
}

/* Phase 2: the mapping with the add buttons, Copy read back from the clipboard, Save, Test. */
async function operatorMapping(page) {
  await signIn(page);
  await page.goto(cfg.base + '/settings/integrations/officernd');
  await check(page, 'officernd-card-lists');
  await page.getByRole('button', { name: /add plan/i }).click();
  const planRow = page.locator('#plan-rows .mapping-row').last();
  await planRow.locator('select[name=plan_id]').selectOption({ label: cfg.planName });
  await planRow.locator('select[name=offering_id]').selectOption({ label: 'Virtual Basic' });
  await page.getByRole('button', { name: /add location/i }).click();
  const locRow = page.locator('#location-rows .mapping-row').last();
  await locRow.locator('select[name=location_id]').selectOption({ label: cfg.locationName });
  await locRow.locator('select[name=space_id]').selectOption({ label: 'Downtown' });
  await check(page, 'officernd-card-mapped');

  const shown = await page.locator('#webhook-url').inputValue();
  await page.locator('button[data-copy="#webhook-url"]').click();
  await page.waitForFunction(() => document.querySelector('button[data-copy]').textContent === 'Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  if (copied !== shown || !shown.startsWith(cfg.base + '/webhooks/officernd/')) {
    problems.push('Copy put ' + JSON.stringify(copied) + ' on the clipboard; the field shows ' +
      JSON.stringify(shown));
  }
  data.webhookUrl = copied;

  await submitAndWait(page, page.getByRole('button', { name: 'Save changes', exact: true }));
  await check(page, 'officernd-card-mapping-saved');
  await submitAndWait(page, page.locator('button[formaction="/settings/integrations/officernd/test"]'));
  data.testResult = (await page.locator('#test-result').textContent() || '').replace(/\s+/g, ' ').trim();
  await check(page, 'officernd-card-tested');
}

/* The scanned letter: a small but real PDF, so the renter's download can be compared byte for byte. */
const SCAN_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n' +
  '2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R' +
  '/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

/*
 * Records the scan with its file: chooses the file on the item's scan form (the field the
 * browser requires), uploads it, and expects the item to show the attached scan.
 */
async function recordScanWithFile(page) {
  const form = page.locator('.mail-record form')
    .filter({ has: page.locator('input[name=action][value=scan]') });
  await form.locator('input[name=scan_file]').setInputFiles(
    { name: 'letter-scan.pdf', mimeType: 'application/pdf', buffer: SCAN_PDF });
  await submitAndWait(page, form.locator('button[type=submit]'));
  const facts = page.locator('#scan-file-facts');
  if (!(await facts.count())) problems.push('the scanned item does not show its scan file');
  else data.scanFile = (await facts.textContent() || '').replace(/\s+/g, ' ').trim();
}

/* Phase 3: a letter recorded for the new mailbox and scanned; the operator's other pages. */
async function operatorMail(page) {
  await signIn(page);
  await navTo(page, 'Mail');
  await check(page, 'mail-list');
  await page.goto(cfg.base + '/mail/new');
  await check(page, 'mail-new');
  const form = page.locator('.mail-form form');
  const box = form.locator('select[name=mailbox_id]');
  if (await box.count()) {
    await box.selectOption({ index: 1 });
  } else {
    await form.locator('input[name=pmb]').fill(cfg.pmb);
  }
  await form.locator('input[name=sender]').fill('ACME Bank');
  await submitAndWait(page, form.locator('button[type=submit].primary'));
  await check(page, 'mail-item');
  data.mailItemUrl = page.url();
  await recordScanWithFile(page);
  await check(page, 'mail-item-scanned');

  for (const [label, name] of [['Mailboxes', 'mailboxes'], ['Charges', 'charges'],
    ['Activity', 'activity'], ['Spaces', 'spaces-in-use']]) {
    await navTo(page, label);
    await check(page, name);
  }
  await navTo(page, 'Mailboxes');
  await submitAndWait(page, page.locator('main a[href^="/mailboxes/"]').filter({ hasText: cfg.pmb }).first());
  await check(page, 'mailbox');
  /* The other forms, each at this width. */
  for (const [url, name] of [['/mailboxes/new', 'mailbox-new'], ['/spaces/1/edit', 'space-edit'],
    ['/offerings/1/edit', 'offering-edit'], ['/mail?tab=all', 'mail-list-one']]) {
    await page.goto(cfg.base + url);
    await check(page, name);
  }
}

/* Phase 4: the renter accepts the invitation, sees the letter and asks for a forward. */
async function renter(page) {
  await page.goto(cfg.inviteLink);
  await check(page, 'invitation');
  await page.locator('input[name=password]').fill(cfg.renterPassword);
  await page.locator('input[name=password_confirm]').fill(cfg.renterPassword);
  await submitAndWait(page, page.locator('form button[type=submit].primary'));
  await check(page, 'renter-home');
  await page.goto(cfg.base + '/my/mail');
  await check(page, 'renter-mail');
  const item = page.locator('.renter-mail-item').first();
  data.renterSees = (await item.textContent() || '').replace(/\s+/g, ' ').trim();
  /* The scan the operator attached: offered to the renter, and the same bytes come back. */
  const download = item.locator('a[href$="/scan/download"]');
  if (!(await download.count())) {
    problems.push('the renter is not offered the scan of the letter');
  } else {
    const res = await page.request.get(cfg.base + await download.first().getAttribute('href'));
    const body = await res.body();
    if (res.status() !== 200 || !body.equals(SCAN_PDF)) {
      problems.push('the renter downloaded ' + body.length + ' bytes with status ' + res.status() +
        ', not the ' + SCAN_PDF.length + '-byte scan that was uploaded');
    }
    data.renterScanBytes = body.length;
    const view = await page.request.get(cfg.base + await item.locator('a[href$="/scan"]').first().getAttribute('href'));
    if (view.status() !== 200 || view.headers()['content-type'] !== 'application/pdf') {
      problems.push('viewing the scan answered ' + view.status() + ' ' + view.headers()['content-type']);
    }
  }
  /* Forwarding asks for the address on a step of its own, with the price shown. */
  await submitAndWait(page, item.getByRole('link', { name: /forward/i }).first());
  await page.locator('#forward-address').fill('Grace Hopper, 1 Main St, Springfield');
  await check(page, 'renter-forward-address');
  await submitAndWait(page, page.locator('main form button[type=submit]').filter({ hasText: /forward/i }).first());
  await check(page, 'renter-forward-asked');
  data.renterAfter = (await page.locator('.renter-mail-item').first().textContent() || '')
    .replace(/\s+/g, ' ').trim();
  const toggle = page.locator('.nav-menu > summary');
  if (await toggle.isVisible()) await toggle.click();
  await submitAndWait(page, page.getByRole('button', { name: 'Sign out' }));
  await page.goto(cfg.base + '/my/login');
  await check(page, 'renter-sign-in');
}

const PHASES = { 'operator-setup': operatorSetup, 'operator-mapping': operatorMapping,
  'operator-mail': operatorMail, renter };

async function main() {
  const run = PHASES[process.argv[2]];
  if (!run) throw new Error('unknown phase ' + process.argv[2]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pilotomail-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
    viewport: { width: cfg.width, height: cfg.height }, isMobile: phone, hasTouch: phone,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(15000);
  await context.addInitScript(reportCspViolations);
  const page = context.pages()[0] || await context.newPage();
  watch(page);
  try {
    await run(page);
  } catch (err) {
    const shot = path.join(cfg.shots, 'failed-' + process.argv[2] + '.png');
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    problems.push(cfg.width + 'px ' + process.argv[2] + ' stopped at ' + page.url() + ': ' +
      err.message.split('\n').slice(0, 6).join(' | ') + ' (screenshot ' + shot + ')');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ ok: problems.length === 0, problems, data }));
}

main().catch((err) => {
  console.log(JSON.stringify({ ok: false, problems: [String(err && err.stack || err)], data }));
  process.exit(1);
});
