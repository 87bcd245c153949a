// lib.js: shared by the browser tests: launch Debian's chromium headless through
// playwright-core (no browser download; it makes a fresh profile per launch), collect console errors and every request.
'use strict';
const { spawn } = require('child_process');
const readline = require('readline');
const { chromium } = require('playwright-core');

async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // the machine has no outside network: keep chromium from calling home
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update',
           '--disable-sync'],
  });
  return browser;
}

// Opens a page that records console errors, page errors and requested URLs.
async function watchedPage(browser) {
  const page = await browser.newPage();
  page.consoleErrors = [];
  page.requests = [];
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  page.on('request', (r) => page.requests.push(r.url()));
  return page;
}

// Starts `inspraak serve` on a free loopback port in dir (with its inspraak.json) and
// resolves with the process and its URL once it reports where it listens.
function startServer(inspraak, dir) {
  return new Promise((resolve, reject) => {
    const proc = spawn(inspraak, ['--config', 'inspraak.json', 'serve', '--listen', '127.0.0.1:0'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => reject(new Error('serve did not report its address')), 10000);
    readline.createInterface({ input: proc.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (!m) reject(new Error(`serve printed '${line}'`));
      else resolve({ proc, url: m[1] });
    });
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

module.exports = { launch, watchedPage, startServer, fail };
