// Pictures of visanav's main pages for the README, at a phone's and a desktop's size, signed
// out and then signed in (run by scripts/screenshots.sh, which starts the server). Fails when
// a page scrolls sideways on the phone or the browser reports an error (a CSP violation, say).
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

const base = process.env.BASE;
const out = process.env.OUT;
const full = !!process.env.FULL;
const caseId = process.env.CASE_ID;
const sizes = { phone: { width: 360, height: 800 }, desktop: { width: 1280, height: 900 } };

const signedOut = [
  { name: 'home-signed-out', path: '/' },
  { name: 'sign-in', path: '/sign-in' },
  { name: 'status-refused', path: '/statuses/ceac-refused' },
  { name: 'posts', path: '/posts' },
];
const signedIn = [
  { name: 'home-signed-in', path: '/' },
  { name: 'case', path: `/cases/${caseId}` },
  { name: 'new-case', path: '/cases/new' },
  { name: 'notice-form', path: `/cases/${caseId}/notice` },
];

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-quic'],
});
try {
  const context = await browser.newContext({ deviceScaleFactor: 1, viewport: sizes.phone });
  const page = await context.newPage();
  page.on('console', m => {
    // The not-found page is meant to answer 404; the browser notes that as an error.
    if (m.type() === 'error' && !(page.url().endsWith('/no-such-page') && m.text().includes('404'))) {
      problems.push(`${page.url()}: console: ${m.text()}`);
    }
  });
  if (full) mkdirSync(`${out}/full`, { recursive: true });

  const shoot = async ({ name, path }) => {
    for (const [size, viewport] of Object.entries(sizes)) {
      await page.setViewportSize(viewport);
      const response = await page.goto(base + path);
      if (!response || response.status() !== 200) problems.push(`${path}: status ${response && response.status()}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) problems.push(`${path}: scrolls sideways by ${overflow}px at ${viewport.width}px`);
      await page.screenshot({ path: `${out}/${name}-${size}.png` });
      if (full) await page.screenshot({ path: `${out}/full/${name}-${size}.png`, fullPage: true });
      console.log(`saved ${name}-${size}.png`);
    }
  };

  for (const s of signedOut) await shoot(s);
  await page.goto(process.env.SIGN_IN_LINK);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  for (const s of signedIn) await shoot(s);

  if (full) {
    // The other pages, dark mode and the printed case, for a person to look at (not in the README).
    for (const [name, path] of [['statuses', '/statuses'], ['post-manila', '/posts/MNL'], ['account', '/account'],
      ['sharing', `/cases/${caseId}/sharing`], ['case-log', `/cases/${caseId}/log`], ['firms', '/firms'],
      ['not-found', '/no-such-page'], ['second-factor', '/account/second-factor']]) {
      await page.setViewportSize(sizes.phone);
      await page.goto(base + path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) problems.push(`${path}: scrolls sideways by ${overflow}px at 360px`);
      await page.screenshot({ path: `${out}/full/${name}-phone.png`, fullPage: true });
    }
    await page.setViewportSize(sizes.phone);
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const s of [signedIn[0], signedIn[1]]) {
      await page.goto(base + s.path);
      await page.screenshot({ path: `${out}/full/${s.name}-phone-dark.png`, fullPage: true });
    }
    await page.emulateMedia({ colorScheme: 'light', media: 'print' });
    await page.setViewportSize({ width: 800, height: 1100 });
    await page.goto(`${base}/cases/${caseId}`);
    await page.screenshot({ path: `${out}/full/case-print.png`, fullPage: true });
    await page.goto(`${base}/cases/${caseId}/checklist`);
    await page.screenshot({ path: `${out}/full/checklist-print.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  }
} finally {
  await browser.close();
}
for (const p of problems) console.log(`FAIL ${p}`);
console.log(problems.length ? `${problems.length} problems` : 'screenshots: every page fits a 360px screen');
process.exit(problems.length ? 1 : 0);
