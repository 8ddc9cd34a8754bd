// Issue 11's walk in a real headless Chromium, at a phone's width and at a desktop's:
// a new person signs up and confirms the address from the mail the SMTP server received, adds a
// K-1 case in the form, pastes a 221(g) letter, saves it, sees the checklist, the deadline and
// the next steps, marks a document gathered and shares the case with the demo firm. The demo
// attorney signs in with a TOTP code, accepts the case, finds it on the dashboard above a less
// urgent one, and adds a note the applicant never sees. Every page is checked for console
// errors, CSP violations and sideways scrolling.
//
// Environment: BASE (server), SMTP_DIR (where the sink writes .eml files), FIRM_CODE,
// ATTORNEY, PASSWORD, TOTP (base32), CHROMIUM, NODE_PATH, ARTIFACTS.
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

const base = process.env.BASE;
const artifacts = process.env.ARTIFACTS;
let passed = 0, failed = 0;
const ok = (what) => { passed++; console.log(`ok   ${what}`); };
const fail = (what) => { failed++; console.log(`FAIL ${what}`); };
const expect = (cond, what) => (cond ? ok(what) : fail(what));

// ----- helpers -----

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

// RFC 6238 with SHA-1, 30 s, 6 digits: computed here, independently of visanav's code.
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(value).padStart(6, '0');
}

let lastStep = 0;
async function freshCode() {
  // The server accepts each time step once: wait for a step not used yet.
  let step = Math.floor(Date.now() / 30000);
  while (step <= lastStep) {
    await new Promise((r) => setTimeout(r, 1000));
    step = Math.floor(Date.now() / 30000);
  }
  lastStep = step;
  return totp(process.env.TOTP, step);
}

// The text of the newest mail to `to` that contains `needle` (decoded quoted-printable),
// waiting for the notification dispatcher (it polls every few seconds).
async function mailWith(to, needle) {
  for (let i = 0; i < 300; i++) {
    const files = readdirSync(process.env.SMTP_DIR).filter((f) => f.endsWith('.eml')).sort().reverse();
    for (const f of files) {
      const text = readFileSync(`${process.env.SMTP_DIR}/${f}`, 'utf8')
        .replaceAll('=\r\n', '').replaceAll('=\n', '').replaceAll('=3D', '=');
      if (text.includes(`To: ${to}`) && text.includes(needle)) return text;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with ${needle}`);
}

async function tokenFromMail(to, path) {
  const needle = `${path}?token=`;
  for (let i = 0; i < 100; i++) {
    const files = readdirSync(process.env.SMTP_DIR).filter((f) => f.endsWith('.eml')).sort().reverse();
    for (const f of files) {
      const text = readFileSync(`${process.env.SMTP_DIR}/${f}`, 'utf8')
        .replaceAll('=\r\n', '').replaceAll('=\n', '').replaceAll('=3D', '=');
      if (text.includes(`To: ${to}`) && text.includes(needle)) {
        const at = text.lastIndexOf(needle) + needle.length;
        return text.slice(at).match(/^[A-Za-z0-9_-]+/)[0];
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with ${path}`);
}

// Watches a page for console errors and CSP violations; `look` checks the page as it stands.
function watch(page, label) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  return {
    async look(name, texts = []) {
      const found = [...problems];
      problems.length = 0;
      const csp = await page.evaluate(() => window.__csp || []);
      for (const v of csp) found.push(`CSP violation: ${v}`);
      const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (scroll > inner) found.push(`scrolls sideways (${scroll} > ${inner})`);
      const body = await page.innerText('body');
      for (const t of texts) if (!body.includes(t)) found.push(`missing ${JSON.stringify(t)}`);
      if (!body.includes('not legal advice')) found.push('no not-legal-advice line');
      await page.screenshot({ path: `${artifacts}/walk-${label}-${name}.png`, fullPage: true });
      expect(found.length === 0, `${label}: ${name}${found.length ? ' — ' + found.join('; ') : ''}`);
      return body;
    },
  };
}

async function newPage(browser, width) {
  const context = await browser.newContext({ viewport: { width, height: 800 }, isMobile: width < 500 });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return context.newPage();
}

const submit = (page, name) => Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);

// ----- the walk -----

async function applicant(browser, width, label) {
  const email = `walk-${label}-${Date.now()}@example.org`;
  const password = 'tangerine harbour lantern quietly';
  const page = await newPage(browser, width);
  const w = watch(page, label);

  await page.goto(`${base}/sign-up`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await submit(page, /Create/);
  await w.look('signed-up', ['Check your email']);

  await page.goto(`${base}/verify?token=${await tokenFromMail(email, '/verify')}`);
  await submit(page, /Confirm/);
  await w.look('verified', ['Your address is confirmed']);

  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await submit(page, /Sign in/);

  await page.goto(`${base}/cases/new`);
  await w.look('new-case-form', ['Add your case']);
  await page.getByRole('radio', { name: /^K-1/ }).check();
  await page.getByLabel(/embassy or consulate/).fill('Manila');
  const number = `MNL2026${String(Date.now()).slice(-6)}`;
  await page.getByLabel(/Case number/).fill(number);
  const interview = new Date(Date.now() - 3 * 86400000).toISOString().slice(0, 10);
  await page.getByLabel(/Interview date/).fill(interview);
  await page.getByLabel(/status the State Department/).selectOption('Refused');
  await submit(page, /Add my case/);
  const caseUrl = page.url().split('?')[0].split('#')[0];
  await w.look('case-added', ['What should I do today?']);

  await page.getByRole('link', { name: /Add a refusal letter/ }).click();
  await page.waitForLoadState();
  await page.getByLabel(/Paste the text/).fill(
    `U.S. Embassy Manila\nCase Number: ${number}\nDate: ${interview}\n` +
    'Your visa application is refused under Section 221(g) of the Immigration and Nationality Act.\n' +
    'Please submit the following:\n[X] Police certificate (NBI clearance)\n[X] Evidence of your relationship\n');
  await submit(page, /Read the notice/);
  await w.look('notice-read', ['Police certificate']);
  await submit(page, /Save to my case/);
  const saved = await w.look('notice-saved', ['Your 221(g) checklist', 'Police certificate', 'Deadlines', 'Next steps', 'Refusal letters']);
  expect(/One year to send/.test(saved) && /days left/.test(saved), `${label}: the one-year deadline with days left`);

  const item = page.locator('li.checklist-item', { hasText: 'Police certificate' });
  await item.locator('summary').click();
  await item.getByLabel(/Gathered/).check();
  await item.getByRole('button', { name: 'Save' }).click();
  await page.waitForSelector('li.checklist-item:has-text("Police certificate") .badge:has-text("Gathered")');
  await w.look('marked-gathered', ['Gathered']);

  await page.goto(`${caseUrl}/checklist`);
  await w.look('printable-checklist', ['221(g) checklist', 'Police certificate']);

  await page.goto(`${caseUrl}/sharing`);
  await page.getByLabel(/firm's code/).fill(process.env.FIRM_CODE);
  await submit(page, /Offer the case/);
  await w.look('offered-to-firm');
  return { page, w, caseUrl, number, email };
}

async function attorney(browser, width, label, applicantSide) {
  const page = await newPage(browser, width);
  const w = watch(page, `${label}-attorney`);
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email address').fill(process.env.ATTORNEY);
  await page.getByLabel('Password').fill(process.env.PASSWORD);
  await submit(page, /Sign in/);
  await page.getByLabel(/code/).fill(await freshCode());
  await submit(page, /Continue/);
  await page.goto(`${base}/firms`);
  await w.look('firms', ['Cases offered to your firm']);
  // The newest offer is the one just made (offers show the case's short id, listed oldest first).
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Accept' }).last().click()]);

  await page.goto(`${base}/firms`);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: /dashboard/i }).first().click()]);
  const board = await w.look('dashboard', [applicantSide.number]);
  const mine = board.indexOf(applicantSide.number);
  const issued = board.indexOf('MNL2026500004');
  expect(mine >= 0 && issued >= 0 && mine < issued, `${label}: the new 221(g) case is above the issued one on the dashboard`);

  const note = `Conflict check cleared ${label} ${Date.now()}`;
  await page.goto(`${applicantSide.caseUrl}/firm-notes`);
  await page.locator('textarea').first().fill(note);
  await submit(page, /note/i);
  const notes = await w.look('note-added', [note]);
  expect(notes.includes(note), `${label}: the attorney sees the note`);

  await applicantSide.page.goto(applicantSide.caseUrl);
  const seen = await applicantSide.w.look('case-after-note');
  expect(!seen.includes(note), `${label}: the applicant does not see the firm's note`);
  await applicantSide.page.goto(`${applicantSide.caseUrl}/firm-notes`);
  const theirs = await applicantSide.page.innerText('body');
  expect(!theirs.includes(note), `${label}: not on the firm-notes page either`);
  return { page, w };
}

// The calendar feed a person's calendar page links to, fetched as a calendar app would.
async function feedOf(page) {
  await page.goto(`${base}/account/calendar`);
  if (!(await page.locator('a[href^="webcal:"]').count())) {
    await submit(page, /Make my calendar link/);
  }
  const webcal = await page.locator('a[href^="webcal:"]').first().getAttribute('href');
  const url = webcal.replace(/^webcal:/, base.startsWith('https') ? 'https:' : 'http:');
  const r = await page.request.get(url);
  return (await r.text()).replaceAll('\r\n ', '');
}

// Issue 14: the applicant books a consultation on their own clock from the case page; the
// attorney opens the request from the email link, records the review and confirms; both
// calendars then show it, each on its owner's clock.
async function consultation(label, side, atty) {
  const { page, w } = side;
  await page.goto(side.caseUrl);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: /Book a consultation/ }).first().click()]);
  await w.look('consult-choose', ['Book a consultation with an attorney']);
  await Promise.all([page.waitForNavigation(), page.locator('a[href*="/consult?type="]').first().click()]);
  await page.getByLabel(/Show times in this time zone/).fill('Asia/Manila');
  await submit(page, /Change/);
  await w.look('consult-times', ['Times in Asia/Manila', 'New York']);
  await page.locator('input[name="start"]').first().check();
  const question = `Should I send the NBI clearance again? (${label})`;
  await page.getByLabel(/Your question/).fill(question);
  await submit(page, /Request this time/);
  const requested = await w.look('consult-requested', ['Your request is sent', 'Manila time']);
  const id = page.url().split('/consultations/')[1].split('?')[0];
  // When the two clocks are on different days the attorney's time names its day too
  // ("09:00 on Tuesday 1 December New York time"); which slot is first depends on the hour
  // the walk runs.
  const manila = requested.match(/(\d\d:\d\d)–\d\d:\d\d \(Manila time; (\d\d:\d\d)(?: on \w+ \d{1,2} \w+)? New York time\)/);
  expect(manila !== null, `${label}: the time on the applicant's clock with the attorney's beside it`);

  // The attorney's email links to the request's page; the link only opens it.
  const mail = await mailWith(process.env.ATTORNEY, `/consult/requests/${id}`);
  expect(mail.includes('New consultation request'), `${label}: the attorney is emailed the request`);
  const link = mail.match(/https?:\/\/[^\s"<>]*\/consult\/requests\/[0-9a-f-]+/)[0];
  await atty.page.goto(link);
  await atty.w.look('consult-review', ['Conflict check', question, 'Record your review before confirming']);
  const confirm = atty.page.getByRole('button', { name: /Confirm this consultation/ });
  expect(await confirm.isDisabled(), `${label}: confirming waits for the review`);
  await atty.page.getByLabel(/conflict check is cleared/).check();
  await atty.page.getByLabel(/firm takes this matter/).check();
  await submit(atty.page, /Record the review/);
  await submit(atty.page, /Confirm this consultation/);
  const confirmed = await atty.w.look('consult-confirmed', ['Confirmed', 'New York time']);
  expect(/Confirmed\. The applicant is told/.test(confirmed), `${label}: the attorney sees it confirmed`);

  const told = await mailWith(side.email, 'Consultation confirmed');
  expect(/text\/calendar/.test(told) && /METHOD:REQUEST/.test(told), `${label}: the applicant's email carries a calendar invitation`);
  await page.goto(`${base}/consultations/${id}`);
  await w.look('consult-applicant-confirmed', ['Confirmed', 'Where:']);

  // Both calendars: the same event, each on its owner's clock.
  const mine = await feedOf(page);
  const theirs = await feedOf(atty.page);
  const uid = `UID:consultation.${id}@`;
  // The start of this consultation's event (a feed may hold others).
  const at = (feed, zone) => {
    const event = feed.split('BEGIN:VEVENT').find((e) => e.includes(uid)) || '';
    return (event.match(new RegExp(`DTSTART;TZID=${zone}:\\d{8}T(\\d\\d)(\\d\\d)`)) || []).slice(1).join(':');
  };
  expect(mine.includes(uid) && theirs.includes(uid), `${label}: the consultation is in both calendar feeds`);
  if (manila) {
    expect(at(mine, 'Asia/Manila') === manila[1], `${label}: the applicant's calendar shows ${manila[1]} Manila time (got ${at(mine, 'Asia/Manila')})`);
    expect(at(theirs, 'America/New_York') === manila[2], `${label}: the attorney's calendar shows ${manila[2]} New York time (got ${at(theirs, 'America/New_York')})`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-quic'],
});
try {
  for (const [width, label] of [[360, 'phone'], [1280, 'desktop']]) {
    try {
      const side = await applicant(browser, width, label);
      const atty = await attorney(browser, width, label, side);
      await consultation(label, side, atty);
    } catch (e) {
      fail(`${label}: the walk stopped: ${e.message.split('\n')[0]}`);
    }
  }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
