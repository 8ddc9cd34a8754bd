// Visits visanav's pages in headless Chromium at a phone's size and checks what a person
// would: the page loads, says what it should, fits the screen without sideways scrolling,
// carries the not-legal-advice line, and runs no script (the CSP forbids inline code).
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

const base = process.env.BASE;
const artifacts = process.env.ARTIFACTS;
const checks = [
  { path: '/', name: 'home', expect: ['visanav is running', 'Add a case', 'MNL'] },
  { path: '/statuses', name: 'statuses', expect: ['What your case status means', 'Refused', 'Case Was Approved'] },
  { path: '/statuses/ceac-refused', name: 'refused', expect: ['Refused', '221(g)', 'What to do now', 'Sources'] },
  { path: '/posts/MNL', name: 'post-manila', expect: ['Manila', 'Asia/Manila'] },
  { path: `/cases/${process.env.CASE_ID}`, name: 'case-plan', expect: ['Your plan', 'Deadlines', 'Next steps', 'Police certificate', 'Do you need a lawyer?'] },
];

let passed = 0, failed = 0;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-quic'],
});
try {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 1, isMobile: true });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  for (const c of checks) {
    const problems = [];
    const response = await page.goto(base + c.path);
    if (!response || response.status() !== 200) problems.push(`status ${response && response.status()}`);
    const text = await page.innerText('body');
    for (const e of c.expect) if (!text.includes(e)) problems.push(`missing text ${JSON.stringify(e)}`);
    if (!text.includes('not legal advice')) problems.push('no not-legal-advice line');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) problems.push(`scrolls sideways by ${overflow}px on a 375px screen`);
    const fontSize = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    if (fontSize < 16) problems.push(`body text ${fontSize}px is too small to read on a phone`);
    const css = await page.evaluate(() => getComputedStyle(document.querySelector('header')).borderBottomStyle);
    if (css !== 'solid') problems.push('stylesheet not applied');
    await page.screenshot({ path: `${artifacts}/${c.name}.png`, fullPage: true });
    if (problems.length) { failed++; console.log(`FAIL ${c.path}: ${problems.join('; ')}`); }
    else { passed++; console.log(`ok   ${c.path}`); }
  }
  // A status link on the list page leads to its explanation.
  await page.goto(base + '/statuses');
  await page.click('a[href="/statuses/ceac-refused"]');
  const h1 = await page.innerText('h1');
  if (h1.trim() === 'Refused') { passed++; console.log('ok   click through to Refused'); }
  else { failed++; console.log(`FAIL click through: h1 was ${JSON.stringify(h1)}`); }
  if (consoleErrors.length) { failed++; console.log(`FAIL console errors: ${consoleErrors.join(' | ')}`); }
  else { passed++; console.log('ok   no console errors'); }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
