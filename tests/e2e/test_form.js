// test_form.js: the web form in a real browser (headless chromium): open it, fill it in,
// send it, see the thank-you page, then find the reaction in `inspraak items --json`;
// and an empty text shown as an error beside its field, tied to it for screen readers.
// No console errors allowed: a CSP violation (inline style or script) would show there.
'use strict';
const { execFileSync } = require('child_process');
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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inspraak-e2e-form-'));
fs.writeFileSync(path.join(dir, 'inspraak.json'), JSON.stringify({
  database: 'e2e.db',
  vision: {
    title: 'Overheidsbrede dienstverlening 2020',
    ambitions: [
      { code: 'A1', title: 'Digitaal als standaard', keywords: { nl: ['digitaal'] } },
      { code: 'A5', title: 'Bereikbaar via alle kanalen', keywords: { nl: ['loket'] } },
    ],
  },
  forms: [{
    name: 'visie2020', title: 'Reageer op de visie',
    fields: ['text', 'ambition', 'stance', 'group', 'email', 'consent'],
    text_field: 'text', ambition_field: 'ambition', stance_field: 'stance',
    group_field: 'group', groups: ['inwoner', 'medewerker', 'organisatie', 'buitenland'],
    lang: 'nl', min_fill_seconds: 0,
  }],
}));

let server = null;
process.on('exit', () => { if (server) server.kill('SIGKILL'); });

(async () => {
  const { proc, url } = await startServer(INSPRAAK, dir);
  server = proc;
  const browser = await launch();
  let ok = false;
  try {
    const page = await watchedPage(browser);
    const text = 'Houd het loket open voor wie niet digitaal kan: e2e-' + process.pid;

    // 1. fill in and send
    const resp = await page.goto(`${url}/forms/visie2020?lang=nl`);
    if (resp.status() !== 200) fail(`form page: HTTP ${resp.status()}`);
    if ((await page.getAttribute('html', 'lang')) !== 'nl') fail('the page is not lang="nl"');
    await page.getByLabel('Uw reactie').fill(text);
    await page.getByLabel('A5 Bereikbaar via alle kanalen').check();
    await page.getByLabel('Bezwaar: ik ben het er niet mee eens').check();
    await page.getByLabel('Ik reageer als').selectOption('inwoner');
    await Promise.all([page.waitForURL(/\/forms\/visie2020\/bedankt\?lang=nl$/), page.click('button[type=submit]')]);
    const h1 = await page.textContent('h1');
    if (h1 !== 'Bedankt voor uw reactie') fail(`thank-you page says '${h1}'`);

    const items = JSON.parse(execFileSync(INSPRAAK, ['--config', 'inspraak.json', 'items', '--json'],
      { cwd: dir, encoding: 'utf8' }));
    const mine = items.filter((it) => it.text === text);
    if (mine.length !== 1) fail(`found ${mine.length} stored items with the text`);
    const d = mine[0].declared;
    if (mine[0].source !== 'visie2020' || d.stance !== 'objection' ||
        JSON.stringify(d.ambitions) !== '["A5"]' || mine[0].group !== 'inwoner') {
      fail(`stored item is wrong: ${JSON.stringify(mine[0])}`);
    }

    // 2. an empty text: the form comes back with the message beside the field
    await page.goto(`${url}/forms/visie2020?lang=nl`);
    await page.getByLabel('Steun: ik ben het ermee eens').check();
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[type=submit]'),
    ]);
    if (answer.status() !== 422) fail(`empty text: HTTP ${answer.status()}, wanted 422`);
    await page.waitForSelector('#text-error');
    const msg = await page.textContent('#text-error');
    if (msg !== 'Dit veld is verplicht.') fail(`error message is '${msg}'`);
    const area = page.locator('textarea#text');
    const described = (await area.getAttribute('aria-describedby')) || '';
    if (!described.split(' ').includes('text-error')) fail('the textarea is not described by its error');
    if ((await area.getAttribute('aria-invalid')) !== 'true') fail('the textarea is not aria-invalid');
    const beside = await page.evaluate(() =>
      document.getElementById('text-error').parentElement === document.getElementById('text').parentElement);
    if (!beside) fail('the error is not beside its field');
    if (!(await page.getByLabel('Steun: ik ben het ermee eens').isChecked())) fail('the choice was lost');
    const alert = await page.getByRole('alert').count();
    if (alert < 1) fail('no alert summarises the errors');

    // 3. English: chromium asks for en-US by Accept-Language
    await page.goto(`${url}/forms/visie2020`);
    if ((await page.getAttribute('html', 'lang')) !== 'en') fail('Accept-Language en is not English');
    await page.getByLabel('Your reaction').fill('x');

    // the 422 answer itself is logged by chromium; anything else is a fault
    const errors = page.consoleErrors.filter((e) => !/status of 422/.test(e));
    if (errors.length) fail(`console errors: ${errors.join(' | ')}`);
    ok = true;
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
    if (ok) fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('ok');
})().catch((e) => fail(e.stack || String(e)));
