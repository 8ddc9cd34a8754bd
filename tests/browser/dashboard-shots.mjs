// The demo attorney's dashboard at phone and desktop widths, for docs/screenshots (run by
// scripts/screenshots.sh against `visanav serve --demo`). Signs in with the password and a
// TOTP code computed here (RFC 6238), opens the firm's dashboard and saves two PNGs.
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

const base = process.env.BASE;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
let lastStep = 0;
try {
  for (const [width, height, name] of [[360, 800, 'phone'], [1280, 900, 'desktop']]) {
    const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill(process.env.ATTORNEY);
    await page.getByLabel('Password').fill(process.env.PASSWORD);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Sign in/ }).click()]);
    let step = Math.floor(Date.now() / 30000);
    while (step <= lastStep) { await new Promise((r) => setTimeout(r, 1000)); step = Math.floor(Date.now() / 30000); }
    lastStep = step;
    await page.getByLabel(/code/).fill(totp(process.env.TOTP, step));
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Continue/ }).click()]);
    await page.goto(`${base}/firms`);
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: /dashboard/i }).first().click()]);
    await page.screenshot({ path: `${process.env.OUT}/dashboard-${name}.png` });
    console.log(`screenshots: dashboard-${name}.png`);
  }
} finally {
  await browser.close();
}
