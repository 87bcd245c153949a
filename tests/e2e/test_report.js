// test_report.js: the HTML report in a real browser. Builds a store with the real binary
// (init-free: the example configuration, two imports as two channels, analyze, export),
// opens report.html in headless chromium and checks: no console errors, no request
// beyond the file itself, the three charts each with its table alternative, no personal
// data on the page; writes OUTPUT_DIR/report.png (and report-en.png) for a human look.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { launch, watchedPage, fail } = require('./lib.js');

const bin = process.env.INSPRAAK;
const src = process.env.SOURCE_DIR || path.resolve(__dirname, '../..');
if (!bin || !fs.existsSync(bin)) {
  console.log('skip: INSPRAAK is not set to the inspraak binary');
  process.exit(77);
}
if (!fs.existsSync(process.env.CHROMIUM || '/usr/bin/chromium')) {
  console.log('skip: chromium is not installed');
  process.exit(77);
}
const outDir = process.env.OUTPUT_DIR || path.join(os.tmpdir(), 'inspraak-e2e');
fs.mkdirSync(outDir, { recursive: true });
const work = fs.mkdtempSync(path.join(outDir, 'report-'));

function run(...args) {
  try {
    return execFileSync(bin, ['--config', path.join(work, 'inspraak.json'), '-q', ...args],
      { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    fail(`inspraak ${args.join(' ')} exited ${e.status}: ${e.stderr}`);
  }
  return '';
}

// The example configuration, its feeds pointed nowhere: this test only imports.
const cfg = JSON.parse(fs.readFileSync(path.join(src, 'config/example/inspraak.json'), 'utf8'));
cfg.database = path.join(work, 'inspraak.db');
cfg.sources = [];
fs.writeFileSync(path.join(work, 'inspraak.json'), JSON.stringify(cfg, null, 2));

// A second channel with personal data and hostile text that must come out inert.
const extra = [
  'id,text,time,ambition,stance',
  'm1,"Bel mij op 06-12345678 of mail piet.puk@example.nl, het digitale loket is top",2024-02-20,A1,steun',
  'm2,"<script>alert(1)</script> ""><img src=x onerror=alert(2)> balie open houden",2024-02-21,A5,steun',
  'm3,"=HYPERLINK(""http://evil.example/?a=1"",""klik"") privacy en AVG, IBAN NL91ABNA0417164300",2024-02-27,A4,bezwaar',
  'm4,"@SUM(1+1) mijn BSN 111222333 staat verkeerd in de BRP",2024-03-05,A4,bezwaar',
];
fs.writeFileSync(path.join(work, 'mail.csv'), extra.join('\n') + '\n');

run('import', path.join(src, 'demo/forms/formulier-export.csv'), '--source', 'formulier',
  '--id', 'id', '--time', 'tijdstip', '--author', 'naam', '--group', 'groep',
  '--ambition', 'ambitie', '--stance', 'standpunt', '--text', 'reactie');
run('import', path.join(work, 'mail.csv'), '--source', 'e-mail');
run('analyze');
run('export', '--format', 'html', '--out', path.join(work, 'nl'), '--reproducible');
run('export', '--format', 'html', '--out', path.join(work, 'en'), '--report-lang', 'en');

(async () => {
  const browser = await launch();
  try {
    for (const lang of ['nl', 'en']) {
      const file = path.join(work, lang, 'report.html');
      const url = 'file://' + file;
      const page = await watchedPage(browser);
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.goto(url, { waitUntil: 'load' });

      if (page.consoleErrors.length) fail(`${lang}: console errors: ${page.consoleErrors.join(' | ')}`);
      const others = page.requests.filter((r) => r !== url);
      if (others.length) fail(`${lang}: requests beyond the file: ${others.join(', ')}`);

      const htmlLang = await page.getAttribute('html', 'lang');
      if (htmlLang !== lang) fail(`html lang is ${htmlLang}, wanted ${lang}`);
      // Each chart is an SVG with a title and is followed by a table with the same data.
      for (const id of ['ambitions', 'themes', 'timeline']) {
        const bars = await page.locator(`#chart-${id} svg rect`).count();
        if (bars < 1) fail(`${lang}: chart ${id} has no bars`);
        const title = await page.locator(`#chart-${id} svg > title`).count();
        if (title !== 1) fail(`${lang}: chart ${id} has no accessible title`);
        const rows = await page.locator(`#table-${id} tbody tr`).count();
        if (rows < 1) fail(`${lang}: chart ${id} has no table alternative`);
      }
      // Six ambitions: six diverging bars' labels and six table rows plus "general".
      const ambRows = await page.locator('#table-ambitions tbody tr').count();
      if (ambRows !== 7) fail(`${lang}: ambition table has ${ambRows} rows, wanted 7`);
      // Both channels appear in the time chart's table.
      const head = await page.locator('#table-timeline thead').innerText();
      if (!head.includes('formulier') || !head.includes('e-mail')) fail(`${lang}: timeline table head is '${head}'`);

      const text = await page.locator('body').innerText();
      for (const secret of ['06-12345678', 'piet.puk@', 'NL91ABNA0417164300', '111222333', 'a=1']) {
        if (text.includes(secret)) fail(`${lang}: the page shows '${secret}'`);
      }
      if (await page.locator('script, img, iframe, object, embed').count())
        fail(`${lang}: the page holds active or external elements`);
      if (lang === 'nl' && !text.includes('Wat we hoorden')) fail('nl: Dutch heading missing');
      if (lang === 'en' && !text.includes('What we heard')) fail('en: English heading missing');

      const shot = path.join(outDir, lang === 'nl' ? 'report.png' : 'report-en.png');
      await page.screenshot({ path: shot, fullPage: true });
      // Print layout: a PDF renders without error.
      await page.pdf({ path: path.join(outDir, `report-${lang}.pdf`), format: 'A4' });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`ok: report in chromium, screenshots in ${outDir}`);
})().catch((e) => fail(String(e && e.stack || e)));
