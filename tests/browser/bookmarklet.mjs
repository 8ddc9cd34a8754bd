// The CEAC bookmarklet in a real Chromium: made on visanav's account page, then run on a copy
// of CEAC's result page served from another origin (a local server standing in for
// ceac.state.gov), exactly as the bookmark would run it there. Its form POST must open
// visanav in a new tab with the reading recorded, and the case must show it.
//
// Also: the same page served with `Content-Security-Policy: form-action 'self'` (a policy
// CEAC could adopt): the browser stops the POST, and the bookmarklet must say so.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

const base = process.env.BASE;
const artifacts = process.env.ARTIFACTS;
const fixtures = process.env.CEAC_FIXTURES;
const caseId = process.env.CASE_ID;
const pages = {
  '/CEACStatTracker/Status.aspx': fs.readFileSync(`${fixtures}/iv-refused.html`, 'utf8'),
  '/captcha': fs.readFileSync(`${fixtures}/captcha-mismatch.html`, 'utf8'),
};

// The stand-in for CEAC: the saved pages, as CEAC serves them (no CSP), and one with a
// form-action policy.
const ceac = http.createServer((req, res) => {
  const strict = req.url.startsWith('/strict');
  const body = pages[strict ? '/CEACStatTracker/Status.aspx' : req.url];
  if (!body) { res.writeHead(404); res.end(); return; }
  const headers = { 'content-type': 'text/html; charset=utf-8' };
  if (strict) headers['content-security-policy'] = "form-action 'self'";
  res.writeHead(200, headers);
  res.end(body);
});
await new Promise(resolve => ceac.listen(0, '127.0.0.1', resolve));
// "localhost" rather than 127.0.0.1: another site than visanav's, as CEAC is.
const ceacBase = `http://localhost:${ceac.address().port}`;

let passed = 0, failed = 0;
const ok = m => { passed++; console.log(`ok   ${m}`); };
const fail = m => { failed++; console.log(`FAIL ${m}`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-quic'],
});

/// Runs the bookmarklet's code on `page` and returns the tab it opens (or null).
async function runBookmarklet(context, page, code, timeout = 10000) {
  const opened = context.waitForEvent('page', { timeout }).catch(() => null);
  await page.evaluate(code);
  const tab = await opened;
  if (tab) await tab.waitForLoadState();
  return tab;
}

try {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 }, isMobile: true });
  const page = await context.newPage();
  await page.goto(process.env.SIGN_IN_LINK);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);

  // Make the bookmarklet as a person would.
  await page.goto(`${base}/account/ceac-bookmarklet`);
  await Promise.all([page.waitForNavigation(), page.click('main button:has-text("Create my bookmarklet")')]);
  const href = await page.getAttribute('#bookmarklet', 'href');
  const copied = await page.inputValue('#code');
  await page.screenshot({ path: `${artifacts}/ceac-bookmarklet.png`, fullPage: true });
  if (href && href.startsWith('javascript:') && copied === href) ok('the bookmarklet page gives the link to drag and the same code to copy');
  else fail(`bookmarklet link: ${href && href.slice(0, 40)}`);
  const code = decodeURIComponent(href.slice('javascript:'.length));

  // On "CEAC"'s result page: the new tab is visanav's, with the reading.
  const onCeac = await context.newPage();
  await onCeac.goto(`${ceacBase}/CEACStatTracker/Status.aspx`);
  const tab = await runBookmarklet(context, onCeac, code);
  if (!tab) fail('no tab opened from the result page');
  else {
    const text = await tab.innerText('body');
    await tab.screenshot({ path: `${artifacts}/ceac-bookmarklet-result.png`, fullPage: true });
    const problems = [];
    if (new URL(tab.url()).pathname !== '/ceac/bookmarklet') problems.push(`tab at ${tab.url()}`);
    if (!text.includes('CEAC says: Refused')) problems.push('no status');
    if (!text.includes('CEAC updated the case on 2025-07-15')) problems.push('the new last-updated date is not said');
    if (!text.includes('not legal advice')) problems.push('no not-legal-advice line');
    const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) problems.push(`scrolls sideways by ${overflow}px`);
    if (problems.length) fail(`bookmarklet result: ${problems.join('; ')}`);
    else ok('the bookmarklet posts the result panel and visanav records it in a new tab');
    await tab.close();
  }
  // The case shows the reading: last updated 2025-07-15 in its status history.
  await page.goto(`${base}/cases/${caseId}`);
  const history = await page.innerText('#history-h + table');
  if (history.includes('2025-07-15')) ok('the case page shows the reading the bookmarklet sent');
  else fail(`status history lacks 2025-07-15: ${history}`);

  // A captcha error page: visanav says what happened, records nothing.
  await onCeac.goto(`${ceacBase}/captcha`);
  const errorTab = await runBookmarklet(context, onCeac, code);
  const errorText = errorTab ? await errorTab.innerText('body') : '';
  if (errorText.includes('No status was recorded') && errorText.includes('captcha')) ok('a captcha error page is explained, nothing recorded');
  else fail(`captcha page: ${errorText.slice(0, 200)}`);
  if (errorTab) await errorTab.close();

  // A page whose CSP forbids sending forms elsewhere (CEAC's today does not, as far as
  // visanav knows): the browser stops the POST, and the bookmarklet says what to do instead.
  await onCeac.goto(`${ceacBase}/strict`);
  const said = new Promise(resolve => {
    onCeac.once('dialog', async d => { const m = d.message(); await d.dismiss(); resolve(m); });
    setTimeout(() => resolve(null), 5000);
  });
  const strictTab = await runBookmarklet(context, onCeac, code, 4000);
  const message = await said;
  console.log(`note with "form-action 'self'" on the CEAC page the tab ${strictTab ? 'opened' : 'did not open'} (Chromium ${browser.version()})`);
  if (strictTab) await strictTab.close();
  else if (message && message.includes('I checked CEAC myself')) ok('when the page blocks the POST, the bookmarklet says to paste the page instead');
  else fail(`blocked without a word: ${message}`);
} finally {
  await browser.close();
  ceac.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
