// The demo applicant's status checks at phone and desktop widths, for docs/screenshots (run by
// scripts/screenshots.sh against `visanav serve --demo`, whose status checks go to a fake CEAC
// and USCIS on loopback). Signs in with the applicant's one-time link, checks USCIS, pictures
// the section, then asks for a CEAC check and pictures the captcha page.
import { createRequire } from 'node:module';
const require = createRequire(process.env.NODE_PATH + '/');
const { chromium } = require('playwright-core');

const base = process.env.BASE;
const out = process.env.OUT;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 360, height: 800 } })).newPage();
  await page.goto(process.env.APPLICANT_LINK);
  await Promise.all([page.waitForNavigation(), page.locator('main button[type=submit]').first().click()]);
  await page.goto(`${base}/`);
  const href = await page.locator('main a[href^="/cases/"]').first().getAttribute('href');
  await page.goto(`${base}${href}#checks`);
  await Promise.all([page.waitForNavigation(), page.locator('#checks-uscis button', { hasText: 'now' }).click()]);
  for (const [width, height, name] of [[360, 800, 'phone'], [1280, 900, 'desktop']]) {
    await page.setViewportSize({ width, height });
    await page.locator('#checks').screenshot({ path: `${out}/status-checks-${name}.png` });
  }
  await page.setViewportSize({ width: 360, height: 800 });
  await Promise.all([page.waitForNavigation(), page.locator('#checks-ceac button', { hasText: 'now' }).click()]);
  await page.screenshot({ path: `${out}/captcha-phone.png`, fullPage: true });
  console.log('checks-shots: status-checks-phone.png, status-checks-desktop.png, captcha-phone.png');
} finally {
  await browser.close();
}
