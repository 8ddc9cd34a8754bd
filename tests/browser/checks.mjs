// A manual CEAC check in a real browser, on a phone: the case page's "Status checks" section,
// "Check CEAC now", the captcha picture (a wrong code first, then the right one, read from
// the picture by `visanav fake-upstream solve` as a person would read it), the result on the
// case page, and what CEAC said. The server runs with captcha.strategy = manual against the
// fake CEAC (`visanav fake-upstream serve`), where the case has moved from Refused to Issued.
// Takes pictures of the section at 360 and 1280 px wide.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

const base = process.env.BASE;
const artifacts = process.env.ARTIFACTS;
const caseUrl = `${base}/cases/${process.env.CASE_ID}`;
let passed = 0, failed = 0;
const report = (name, problems) => {
  if (problems.length) { failed++; console.log(`FAIL ${name}: ${problems.join('; ')}`); }
  else { passed++; console.log(`ok   ${name}`); }
};
const sideways = page => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-quic'],
});
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 }, deviceScaleFactor: 1, isMobile: true });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.goto(process.env.SIGN_IN_LINK);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);

  // The section, on a phone and on a desktop.
  {
    const problems = [];
    await page.goto(caseUrl);
    const section = page.locator('#checks');
    const text = await section.innerText();
    for (const t of ['Status checks', 'CEAC', 'read a code from a picture', 'Check CEAC now']) {
      if (!text.includes(t)) problems.push(`missing ${JSON.stringify(t)}`);
    }
    if (await sideways(page) > 1) problems.push('the case page scrolls sideways');
    await section.screenshot({ path: `${artifacts}/checks-section-360.png` });
    await page.setViewportSize({ width: 1280, height: 900 });
    if (await sideways(page) > 1) problems.push('the case page scrolls sideways on a desktop');
    await section.screenshot({ path: `${artifacts}/checks-section-1280.png` });
    await page.setViewportSize({ width: 360, height: 800 });
    report('the case page shows its status checks', problems);
  }

  // Check now: the picture, a wrong code, then the right one.
  {
    const problems = [];
    await Promise.all([page.waitForNavigation(), page.click('#checks button:has-text("Check CEAC now")')]);
    if (!page.url().includes('/checks/')) problems.push(`ended on ${page.url()}`);
    const img = page.locator('.captcha img');
    const width = await img.evaluate(i => i.complete ? i.naturalWidth : 0);
    if (width < 100) problems.push(`the picture did not load (${width}px)`);
    const shown = await img.evaluate(i => i.getBoundingClientRect().width);
    if (shown < 250) problems.push(`the picture is ${shown}px wide on a phone: too small to read`);
    const input = page.locator('input[name=code]');
    for (const [a, v] of [['autocomplete', 'off'], ['autocapitalize', 'characters']]) {
      if (await input.getAttribute(a) !== v) problems.push(`code field ${a} is not ${v}`);
    }
    if (await sideways(page) > 1) problems.push('the picture page scrolls sideways');
    await page.screenshot({ path: `${artifacts}/checks-captcha-360.png`, fullPage: true });

    await input.fill('WRONG00');
    await Promise.all([page.waitForNavigation(), page.click('main button:has-text("Check")')]);
    if (!(await page.innerText('body')).includes('That code did not match the picture')) problems.push('no word about the wrong code');
    await page.screenshot({ path: `${artifacts}/checks-captcha-missed-360.png`, fullPage: true });

    // Read the new picture as a person would (here: the fake's own solver).
    const src = await page.locator('.captcha img').getAttribute('src');
    const png = await (await page.request.get(base + src)).body();
    const code = execFileSync(process.env.BIN, ['fake-upstream', 'solve'], { input: png }).toString().trim();
    await page.fill('input[name=code]', code.toLowerCase());
    await Promise.all([page.waitForNavigation(), page.click('main button:has-text("Check")')]);
    const text = await page.innerText('#checks');
    if (!text.includes('Changed: Refused → Issued.')) problems.push(`no change shown: ${text.slice(0, 300)}`);
    const history = await page.innerText('body');
    if (!history.includes('checked by visanav on CEAC')) problems.push('the timeline does not say where the reading came from');
    await page.locator('#checks').screenshot({ path: `${artifacts}/checks-changed-360.png` });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator('#checks').screenshot({ path: `${artifacts}/checks-changed-1280.png` });
    await page.screenshot({ path: `${artifacts}/case-after-check-1280.png`, fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    report('a manual check: wrong code, new picture, right code, change shown', problems);
  }

  // What CEAC said: the page, as text.
  {
    const problems = [];
    await Promise.all([page.waitForNavigation(), page.click('#checks a:has-text("What CEAC said")')]);
    const text = await page.innerText('body');
    for (const t of ['What CEAC said', 'checked by visanav on CEAC', 'Issued', 'not legal advice']) {
      if (!text.includes(t)) problems.push(`missing ${JSON.stringify(t)}`);
    }
    const raw = await page.locator('pre.raw').innerText();
    if (!raw.includes('<')) problems.push('the answer is not shown as text');
    if (await sideways(page) > 1) problems.push('the answer page scrolls sideways');
    await page.screenshot({ path: `${artifacts}/checks-answer-360.png` });
    report('what CEAC said, shown as text', problems);
  }
  report('no console errors', consoleErrors);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
