import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot, type RunningSystem } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';

// Debian's Chromium: `npx playwright install` cannot download a browser build here.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SCREENSHOTS = path.join(repoRoot, 'test-output', 'screenshots');
const PASSWORD = 'correct horse battery';
const skip = existsSync(CHROMIUM) ? false : 'Chromium not installed: apt-get install chromium';

describe('the storefront in Chromium, every service a real process', { skip }, () => {
  let system: RunningSystem;
  let browser: Browser;
  before(async () => {
    assert.ok(existsSync(path.join(repoRoot, 'web', 'dist', 'index.html')), 'web/dist is missing: run `npm run build` first');
    await mkdir(SCREENSHOTS, { recursive: true });
    [system, browser] = await Promise.all([bootTestSystem(), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })]);
  });
  after(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('when a new person signs up, tops up, pays one order, fails the next, cancels the first and signs out, then each step shows', async () => {
    const { context, page, pageErrors } = await openStorefront(browser, system.gatewayUrl);
    const login = randomLogin();

    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await screenshot(page, '01-sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Login', { exact: true }).fill(login);
    await page.getByLabel('Email', { exact: true }).fill(`${login}@example.com`);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await screenshot(page, '02-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Your store', level: 1 }).waitFor();
    assert.equal(await statusText(page), `Welcome, ${login}! Top up your balance, then place an order.`);
    assert.equal(await page.getByRole('banner').getByText('Signed in as').textContent(), `Signed in as ${login}`);

    await page.getByLabel('Top-up amount').fill('5000');
    await page.getByRole('button', { name: 'Top up' }).click();
    await waitForNotice(page, 'status', 'Topped up 5,000.00. Your balance is 5,000.00.');
    await expectBalance(page, '5,000.00');
    assert.match(await page.getByRole('table', { name: 'Ledger, newest first' }).innerText(), /Top-up\s+\+5,000\.00\s+5,000\.00/);
    await screenshot(page, '03-topped-up');

    const paidId = await placeOrder(page, '3000');
    await page.getByRole('button', { name: `Pay order #${paidId}` }).click();
    await waitForNotice(page, 'status', `Order #${paidId} is paid: 3,000.00 charged. It is now processing.`);
    await expectBalance(page, '2,000.00');
    assert.match(await orderItem(page, paidId).innerText(), /Paid: processing/);
    await letter(page, `Order #${paidId} Processing`).waitFor();
    await screenshot(page, '04-paid');

    const refusedId = await placeOrder(page, '3000');
    await page.getByRole('button', { name: `Pay order #${refusedId}` }).click();
    await waitForNotice(page, 'alert', `Payment of order #${refusedId} failed: insufficient funds for 3,000.00. Nothing was charged.`);
    await expectBalance(page, '2,000.00');
    assert.match(await orderItem(page, refusedId).innerText(), /Failed: insufficient funds/);
    await letter(page, `Order #${refusedId} Failed`).waitFor();
    assert.equal(await orderItem(page, refusedId).getByRole('button').count(), 0, 'a failed order offers neither pay nor cancel');
    await screenshot(page, '05-payment-failed');

    await page.getByRole('button', { name: `Cancel order #${paidId}` }).click();
    await waitForNotice(page, 'status', `Order #${paidId} cancelled. 3,000.00 refunded to your balance.`);
    await expectBalance(page, '5,000.00');
    assert.match(await orderItem(page, paidId).innerText(), /Cancelled: 3,000\.00 refunded/);
    await letter(page, `Order #${paidId} Cancelled`).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Letters' }).getByRole('listitem').count(), 3);
    await screenshot(page, '06-cancelled', { fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '07-phone', { fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    assert.equal(await statusText(page), 'You have signed out.');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await screenshot(page, '08-signed-out');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('when the keyboard signs in, an amount is invalid and then the session expires, then the person is told and sent to sign in', async () => {
    const login = randomLogin();
    const registered = await fetch(`${system.gatewayUrl}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password: PASSWORD, email: `${login}@example.com` }),
    });
    assert.equal(registered.status, 200);
    const { context, page, pageErrors } = await openStorefront(browser, system.gatewayUrl);

    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(login);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your store', level: 1 }).waitFor();

    await page.getByLabel('Top-up amount').fill('0.001');
    await page.keyboard.press('Enter');
    await waitForNotice(page, 'alert', 'Amount must have at most 2 decimal places.');
    await page.getByLabel('Order price').fill('ten');
    await page.getByRole('button', { name: 'Place order' }).click();
    await waitForNotice(page, 'alert', 'Order price: enter a number such as 25 or 19.99.');
    await expectBalance(page, '0.00');
    await screenshot(page, '09-invalid-amount');

    await context.clearCookies();
    await page.getByLabel('Top-up amount').fill('10');
    await page.getByRole('button', { name: 'Top up' }).click();

    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await waitForNotice(page, 'alert', 'Your session has expired. Sign in again to continue.');
    await screenshot(page, '10-session-expired');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('when a person has more than a page of orders, entries and letters, then each list shows the newest and "Older" brings the rest', async () => {
    const login = randomLogin();
    const api = createApiClient(system.gatewayUrl);
    await api.call('POST', '/register', { login, password: PASSWORD, email: `${login}@example.com` });
    await api.call('POST', '/login', { login, password: PASSWORD });
    await api.call('POST', '/billing/change', { amount: 100 });
    const orderIds: number[] = [];
    for (let i = 0; i < 21; i++) {
      const { body: order } = await api.call('POST', '/order', { price: 1 });
      await api.call('PUT', `/order/${order.id}/pay`);
      orderIds.push(order.id);
    }
    const [oldest, newest] = [orderIds[0]!, orderIds.at(-1)!];
    const { context, page, pageErrors } = await openStorefront(browser, system.gatewayUrl);

    await page.getByLabel('Login', { exact: true }).fill(login);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await orderItem(page, newest).waitFor();
    await letter(page, `Order #${orderIds[1]} Processing`).waitFor();
    const ledger = page.getByRole('table', { name: 'Ledger, newest first' });
    assert.equal(await orderItem(page, oldest).count(), 0, 'the oldest order is beyond the first page');
    assert.equal(await letter(page, `Order #${oldest} Processing`).count(), 0);
    assert.equal(await ledger.getByText('Top-up').count(), 0);
    await screenshot(page, '11-first-pages', { fullPage: true });

    await page.getByRole('button', { name: 'Older orders' }).click();
    await orderItem(page, oldest).waitFor();
    await page.getByRole('button', { name: 'Older entries' }).click();
    await ledger.getByText('Top-up').waitFor();
    await page.getByRole('button', { name: 'Older letters' }).click();
    await letter(page, `Order #${oldest} Processing`).waitFor();

    assert.equal(await page.getByRole('region', { name: 'Orders' }).getByRole('listitem').count(), 21);
    assert.equal(await ledger.getByRole('row').count(), 1 + 22, 'the header row, 21 payments and the top-up');
    assert.equal(await page.getByRole('region', { name: 'Letters' }).getByRole('listitem').count(), 21);
    for (const name of ['Older orders', 'Older entries', 'Older letters']) assert.equal(await page.getByRole('button', { name }).count(), 0, `${name} is gone at the end`);
    await screenshot(page, '12-older-pages', { fullPage: true });
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('when / and its assets are fetched, then index.html is revalidated, assets are cached, and the API paths are untouched', async () => {
    const index = await fetch(`${system.gatewayUrl}/`);
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script !== undefined, 'index.html names its script');
    const asset = await fetch(`${system.gatewayUrl}${script}`);
    const missingAsset = await fetch(`${system.gatewayUrl}/assets/missing.js`);
    const internal = await fetch(`${system.gatewayUrl}/internal/letters`, { method: 'POST' });
    const anonymous = await fetch(`${system.gatewayUrl}/order`);

    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(missingAsset.status, 404);
    assert.equal(missingAsset.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(internal.status, 404);
    assert.equal(internal.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(anonymous.status, 401);
  });
});

async function openStorefront(browser: Browser, gatewayUrl: string): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${gatewayUrl}/`);
  return { context, page, pageErrors };
}

async function placeOrder(page: Page, price: string): Promise<number> {
  await page.getByLabel('Order price').fill(price);
  await page.getByRole('button', { name: 'Place order' }).click();
  const notice = await waitForNotice(page, 'status', /^Order #\d+ placed for/);
  const id = Number(/#(\d+)/.exec(notice)?.[1]);
  assert.match(notice, new RegExp(`^Order #${id} placed for 3,000\\.00\\. Pay it when you are ready\\.$`));
  assert.match(await orderItem(page, id).innerText(), /New: not paid yet/);
  return id;
}

/** Waits until the live region says this, then returns its whole text. */
async function waitForNotice(page: Page, role: 'status' | 'alert', text: string | RegExp): Promise<string> {
  const notice = page.getByRole(role).filter({ hasText: text });
  await notice.waitFor();
  return (await notice.innerText()).trim();
}

async function statusText(page: Page): Promise<string> {
  return (await page.getByRole('status').innerText()).trim();
}

async function expectBalance(page: Page, amount: string): Promise<void> {
  await page.getByRole('region', { name: 'Balance' }).getByText(`Available: ${amount}`, { exact: true }).waitFor();
}

function orderItem(page: Page, id: number) {
  return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: `Order #${id}`, exact: true }) });
}

function letter(page: Page, message: string) {
  return page.getByRole('region', { name: 'Letters' }).getByRole('listitem').filter({ hasText: message });
}

async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), ...options });
}
