// test_review.js: the review pages in a real browser (headless chromium): without a
// session the pages send you to the login; a wrong token is refused; log in, rename a
// theme, correct an item's stance, hide an item; run `analyze` again; the rename, the
// correction and the hiding are still there, in `themes`, `items --json`, the export
// and the pages. No console errors allowed: a CSP violation would show there.
'use strict';
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { launch, watchedPage, startServer, fail } = require('./lib.js');

const INSPRAAK = process.env.INSPRAAK;
if (!INSPRAAK || !fs.existsSync(INSPRAAK)) {
  console.log('skip: INSPRAAK is not set');
  process.exit(77);
}
if (!fs.existsSync(process.env.CHROMIUM || '/usr/bin/chromium')) {
  console.log('skip: no chromium');
  process.exit(77);
}
const csv = path.join(process.env.SOURCE_DIR || path.join(__dirname, '..', '..'),
  'demo', 'forms', 'formulier-export.csv');

const TOKEN = 'e2e-review-token-' + 'x'.repeat(20);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inspraak-e2e-review-'));
const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'config', 'example',
  'inspraak.json'), 'utf8'));
fs.writeFileSync(path.join(dir, 'inspraak.json'), JSON.stringify({
  database: 'e2e.db',
  vision: example.vision,
  analysis: { seed: 42 },
  review: {
    reviewers: [{ name: 'anna', token_sha256: crypto.createHash('sha256').update(TOKEN).digest('hex') }],
    session_ttl: '1h',
  },
}));

function run(...args) {
  return execFileSync(INSPRAAK, ['--config', 'inspraak.json', ...args], { cwd: dir, encoding: 'utf8' });
}

let server = null;
process.on('exit', () => { if (server) server.kill('SIGKILL'); });

(async () => {
  run('import', csv, '--text', 'reactie', '--id', 'id', '--time', 'tijdstip', '--author', 'naam',
    '--group', 'groep', '--ambition', 'ambitie', '--stance', 'standpunt');
  run('analyze');
  const themes = JSON.parse(run('themes', '--json'));
  const theme = themes[0].id;
  const items = JSON.parse(run('items', '--json'));
  // an item whose stance the analysis decided, and another to hide
  const target = items.find((it) => it.ambitions.some((a) => a.origin === 'analysis'));
  const amb = target.ambitions.find((a) => a.origin === 'analysis');
  const want = amb.stance === 'objection' ? 'support' : 'objection';
  const hidden = items.find((it) => it.id !== target.id && it.theme === theme);

  const { proc, url } = await startServer(INSPRAAK, dir);
  server = proc;
  const browser = await launch();
  let ok = false;
  try {
    const page = await watchedPage(browser);

    // 1. no session: to the login page; a wrong token is refused
    await page.goto(`${url}/review/log`);
    if (!page.url().endsWith('/review/login')) fail(`without a session the log went to ${page.url()}`);
    await page.getByLabel('Uw token').fill('wrong-token');
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button'),
    ]);
    if (bad.status() !== 401) fail(`a wrong token: HTTP ${bad.status()}, wanted 401`);
    if (!(await page.textContent('[role=alert]')).includes('onbekend')) fail('no message for a wrong token');

    // 2. log in
    await page.getByLabel('Uw token').fill(TOKEN);
    await Promise.all([page.waitForURL(`${url}/review`), page.click('button')]);
    if ((await page.textContent('h1')) !== 'Overzicht') fail('the overview is not shown after login');
    const cookies = await page.context().cookies();
    const c = cookies.find((k) => k.name === 'inspraak_review');
    if (!c || !c.httpOnly || c.sameSite !== 'Strict' || c.path !== '/review') {
      fail(`session cookie is not HttpOnly SameSite=Strict Path=/review: ${JSON.stringify(c)}`);
    }

    // 3. rename the theme from its page
    await Promise.all([page.waitForURL(new RegExp(`/review/themes/${theme}$`)),
      page.click(`a[href="/review/themes/${theme}"]`)]);
    await page.getByLabel('Nieuw label').fill('Wachttijden aan de balie');
    await Promise.all([page.waitForURL(/\?done=\d+$/), page.click('button:has-text("Hernoemen")')]);
    if (!(await page.textContent('h1')).includes('Wachttijden aan de balie')) fail('the rename is not shown');

    // 4. correct a stance on the item page
    await page.goto(`${url}/review/items/${target.id}`);
    await page.selectOption(`#s_${amb.code}`, want);
    await Promise.all([page.waitForURL(/\?done=\d+$/), page.click('button:has-text("Standpunten opslaan")')]);
    if ((await page.inputValue(`#s_${amb.code}`)) !== want) fail('the corrected stance is not shown');

    // 5. hide another item with a reason
    await page.goto(`${url}/review/items/${hidden.id}`);
    await page.getByLabel('Reden').fill('bevat persoonsgegevens');
    await Promise.all([page.waitForURL(/\?done=\d+$/), page.click('button:has-text("Verbergen")')]);
    if (!(await page.textContent('dl')).includes('bevat persoonsgegevens')) fail('the hiding is not shown');

    // 6. the audit log has all three, by anna
    await page.goto(`${url}/review/log`);
    const log = await page.textContent('table');
    for (const a of ['rename', 'set-stance', 'hide']) if (!log.includes(a)) fail(`the log lacks ${a}`);
    if (!log.includes('anna')) fail('the log does not name the reviewer');

    // 7. analyse again: everything stays
    run('analyze');
    const after = JSON.parse(run('themes', '--json'));
    const t = after.find((x) => x.id === theme);
    if (!t || t.label !== 'Wachttijden aan de balie') fail(`after analyze the theme is ${JSON.stringify(t)}`);
    const items2 = JSON.parse(run('items', '--json'));
    if (items2.some((it) => it.id === hidden.id)) fail('the hidden item is back after analyze');
    const it2 = items2.find((it) => it.id === target.id);
    const a2 = it2.ambitions.find((a) => a.code === amb.code);
    if (!a2 || a2.stance !== want || a2.origin !== 'reviewer') fail(`after analyze the stance is ${JSON.stringify(a2)}`);
    run('export', '--format', 'json', '--out', 'out');
    const sum = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8'));
    if (sum.reviewed_items < 1) fail(`summary.json reviewed_items is ${sum.reviewed_items}`);
    if (sum.items !== items.length - 1) fail(`summary.json counts ${sum.items} items, wanted ${items.length - 1}`);
    const st = sum.themes.find((x) => x.id === theme);
    if (!st || st.label !== 'Wachttijden aan de balie') fail('the export lacks the renamed theme');
    await page.goto(`${url}/review/themes/${theme}`);
    if (!(await page.textContent('h1')).includes('Wachttijden aan de balie')) fail('the page lost the rename');
    await page.goto(`${url}/review/items/${target.id}`);
    if ((await page.inputValue(`#s_${amb.code}`)) !== want) fail('the page lost the correction');

    // the 401 of the wrong token is logged by chromium; anything else is a fault
    const errors = page.consoleErrors.filter((e) => !/status of 401/.test(e));
    if (errors.length) fail(`console errors: ${errors.join(' | ')}`);
    if (page.requests.some((r) => !r.startsWith(url))) fail('a page made an outside request');
    ok = true;
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
    if (ok) fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('ok');
})().catch((e) => fail(e.stack || String(e)));
