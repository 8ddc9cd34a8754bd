// Visits visanav's pages in headless Chromium at a phone's size and checks what a person
// would: the page loads, says what it should, fits the screen without sideways scrolling,
// carries the not-legal-advice line, and runs no script (the CSP forbids inline code).
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

const base = process.env.BASE;
const artifacts = process.env.ARTIFACTS;
const checks = [
  { path: '/', name: 'home', expect: ['My cases', 'Add a case', 'MNL2025512345', 'Manila, Philippines'] },
  { path: '/statuses', name: 'statuses', expect: ['What your case status means', 'Refused', 'Case Was Approved'] },
  { path: '/statuses/ceac-refused', name: 'refused', expect: ['Refused', '221(g)', 'What to do now', 'Sources'] },
  { path: '/posts', name: 'posts', expect: ['Embassies and consulates', 'Philippines', 'Manila'] },
  { path: '/posts/MNL', name: 'post-manila', expect: ['Manila', 'Asia/Manila'] },
  { path: `/cases/${process.env.CASE_ID}`, name: 'case-plan', expect: ['What should I do today?', 'Deadlines', 'Next steps', 'Police certificate', 'Do you need a lawyer?', 'Share with'] },
  { path: `/cases/${process.env.CASE_ID}/sharing`, name: 'case-sharing', expect: ['Who can see this case', 'Share with a law firm'] },
  { path: `/cases/${process.env.CASE_ID}/log`, name: 'case-log', expect: ['Who viewed, changed or shared this case', 'case viewed'] },
  { path: '/account', name: 'account', expect: ['Your account', 'Sign out everywhere', 'Export all my data'] },
  { path: '/account/second-factor', name: 'second-factor', expect: ['Set up your second factor', 'authenticator'] },
  { path: '/firms', name: 'firms', expect: ['Your firms'] },
  { path: '/cases/new', name: 'new-case', expect: ['Add your case', 'Which visa?', 'The embassy or consulate'] },
  { path: '/sign-up', name: 'sign-up', expect: ['Create an account', 'at least 15 characters'] },
];

let passed = 0, failed = 0;
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
  // Signed out, a case page sends to sign-in and shows nothing of the case.
  {
    await page.goto(`${base}/cases/${process.env.CASE_ID}`);
    const text = await page.innerText('body');
    if (page.url().includes('/sign-in?next=') && !text.includes('MNL')) { passed++; console.log('ok   signed out: a case page asks to sign in'); }
    else { failed++; console.log(`FAIL signed out: ended on ${page.url()}`); }
    await page.screenshot({ path: `${artifacts}/sign-in.png`, fullPage: true });
  }
  // Signed out, the home page speaks to a worried applicant and offers to start.
  {
    await page.goto(`${base}/`);
    const text = await page.innerText('body');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (text.includes('Add your case') && text.includes('221(g)') && text.includes('Sign up') && !text.includes('My cases') && overflow <= 0) {
      passed++; console.log('ok   signed out: the home page explains visanav and offers to add a case');
    } else { failed++; console.log(`FAIL signed-out home page (overflow ${overflow}px)`); }
    await page.screenshot({ path: `${artifacts}/home-signed-out.png`, fullPage: true });
  }
  // Sign in as a person would with the one-time link `visanav user link` printed.
  {
    await page.goto(process.env.SIGN_IN_LINK);
    await page.screenshot({ path: `${artifacts}/sign-in-link.png`, fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    const text = await page.innerText('body');
    if (text.includes('My cases') && text.includes('Sign out')) { passed++; console.log('ok   sign in with a one-time link'); }
    else { failed++; console.log(`FAIL sign in with the link: ${page.url()}`); }
  }
  for (const c of checks) {
    const problems = [];
    const response = await page.goto(base + c.path);
    if (!response || response.status() !== 200) problems.push(`status ${response && response.status()}`);
    const text = await page.innerText('body');
    for (const e of c.expect) if (!text.includes(e)) problems.push(`missing text ${JSON.stringify(e)}`);
    if (!text.includes('not legal advice')) problems.push('no not-legal-advice line');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) problems.push(`scrolls sideways by ${overflow}px on a 360px screen`);
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
  // The notice flow a person follows on a phone: paste, check, correct, save.
  {
    const problems = [];
    await page.goto(`${base}/cases/${process.env.CASE_ID}/notice`);
    await page.fill('textarea[name=text]', [
      'U.S. Embassy Manila', 'Date: June 2, 2025',
      'Your application is refused under Section 221(g) of the Immigration and Nationality Act.',
      'Please submit the following:', '[X] Police certificate (NBI clearance)', '[ ] Medical examination',
      '', 'If you were married before, also submit the annulment decree.',
    ].join('\n'));
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    const preview = await page.innerText('body');
    if (!preview.includes('Check what visanav read')) problems.push('no preview page');
    if (!(await page.isChecked('input[name=doc][value=police_certificate]'))) problems.push('police certificate not pre-ticked');
    if (!preview.includes('Please check')) problems.push('no please-check section for the conditional request');
    if (await page.isChecked('input[name=doc][value=prior_marriage_termination]')) problems.push('a conditional request was pre-ticked');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) problems.push(`preview scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: `${artifacts}/notice-preview.png`, fullPage: true });
    // The same page on a desktop screen: an attorney or paralegal checking a client's notice.
    await page.setViewportSize({ width: 1280, height: 900 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (wide > 1) problems.push(`preview scrolls sideways by ${wide}px on a desktop`);
    await page.screenshot({ path: `${artifacts}/notice-preview-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    // Add a document the reader could not know about, then save.
    await page.click('summary:has-text("Add a document")');
    await page.check('input[name=doc][value=i134_support]');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    const plan = await page.innerText('body');
    if (new URL(page.url()).pathname !== `/cases/${process.env.CASE_ID}`) problems.push(`ended on ${page.url()}`);
    for (const t of ['Gather: Police certificate', 'What should I do today?']) if (!plan.includes(t)) problems.push(`plan lacks ${t}`);
    if (!plan.includes('Gather: Form I-134')) problems.push('the added document is missing from the plan');
    await page.screenshot({ path: `${artifacts}/case-after-notice.png`, fullPage: true });
    if (problems.length) { failed++; console.log(`FAIL notice flow: ${problems.join('; ')}`); }
    else { passed++; console.log('ok   notice flow: paste, check, correct, save'); }
  }
  // A second letter with another date: visanav asks which refusal it is about, and keeps
  // the notes when the person says it is the same one.
  {
    const problems = [];
    await page.goto(`${base}/cases/${process.env.CASE_ID}/notice`);
    await page.fill('textarea[name=text]', [
      'U.S. Embassy Manila', 'Date: June 5, 2025',
      'Your application is refused under Section 221(g).', 'Please submit:', '[X] Police certificate',
    ].join('\n'));
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    let body = await page.innerText('body');
    if (!body.includes('Which refusal is this notice about?')) problems.push('no refusal question');
    if (!body.includes('Your case records a refusal on')) problems.push('the recorded date is not shown');
    await page.screenshot({ path: `${artifacts}/notice-date-conflict.png`, fullPage: true });
    // Saving without an answer comes back as 400 with the question: expected, so the
    // browser's console note about it is not an error of the page.
    const before = consoleErrors.length;
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    consoleErrors.splice(before, consoleErrors.filter((e, i) => i >= before && e.includes('400')).length);
    body = await page.innerText('body');
    if (!body.includes('Not saved yet')) problems.push('saved without an answer');
    await page.check('input[name=episode][value=same]');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    if (new URL(page.url()).pathname !== `/cases/${process.env.CASE_ID}`) problems.push(`ended on ${page.url()}`);
    if (problems.length) { failed++; console.log(`FAIL date conflict: ${problems.join('; ')}`); }
    else { passed++; console.log('ok   a different date asks which refusal before saving'); }
  }
  // Keyboard first: the skip link is the first thing Tab reaches, and it leads to the content.
  {
    await page.goto(`${base}/statuses`);
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement && document.activeElement.textContent.trim());
    const visible = await page.evaluate(() => document.activeElement.getBoundingClientRect().top >= 0);
    if (first === 'Skip to the main content' && visible) { passed++; console.log('ok   the skip link comes first and shows on focus'); }
    else { failed++; console.log(`FAIL first Tab stop was ${JSON.stringify(first)} (visible: ${visible})`); }
  }
  // htmx, vendored, loads under the CSP and runs without eval (pages work without it too).
  {
    const h = await page.evaluate(() => window.htmx ? { eval: htmx.config.allowEval, styles: htmx.config.includeIndicatorStyles, v: htmx.version } : null);
    if (h && h.eval === false && h.styles === false) { passed++; console.log(`ok   htmx ${h.v} loaded, no eval, no inline styles`); }
    else { failed++; console.log(`FAIL htmx: ${JSON.stringify(h)}`); }
  }
  // The header's Sign out signs out, from any page.
  {
    await page.goto(`${base}/posts`);
    await Promise.all([page.waitForNavigation(), page.click('header button:has-text("Sign out")')]);
    const text = await page.innerText('body');
    if (text.includes('Sign in') && !text.includes('My cases')) { passed++; console.log('ok   sign out from the header'); }
    else { failed++; console.log(`FAIL sign out from the header: ${page.url()}`); }
  }
  if (consoleErrors.length) { failed++; console.log(`FAIL console errors: ${consoleErrors.join(' | ')}`); }
  else { passed++; console.log('ok   no console errors'); }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
