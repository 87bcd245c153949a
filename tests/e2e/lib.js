// lib.js: shared by the browser tests: launch Debian's chromium headless through
// playwright-core (no browser download; it makes a fresh profile per launch), collect console errors and every request.
'use strict';
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

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

module.exports = { launch, watchedPage, fail };
