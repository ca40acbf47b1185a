import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { api, DaemonProcess } from './support/daemon.js';
import { REPO } from './support/processes.js';
import { withLibrary } from './support/seed.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'dashboard-e2e-admin-token';
const SCREENSHOTS = join(REPO, 'test-results', 'dashboard');
// As the machine's notes say: without the background-networking flags Chromium keeps dialling out on a closed network.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') {
  throw new Error(`Chromium is required in CI and is missing at ${CHROMIUM}: .ci/run installs Debian's chromium with apt`);
}

/** What the page's own code sees, for page.evaluate (the tests compile without the DOM's types). */
type PageGlobals = {
  marker?: boolean;
  document: { activeElement: { textContent: string | null } | null; documentElement: { scrollWidth: number; clientWidth: number } };
};

// Ids the test names: one the daemon's sweeper makes stuck, one to cancel, one that stays queued.
const SILENT = 'ui-silent';
const TO_CANCEL = 'ui-to-cancel';

/** Polls the page until `check` holds (the page updates asynchronously); fails after 15 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the page did not reach the expected state: ${check.toString()}`);
}

describe.skipIf(!available)('the dashboard in Chromium', () => {
  let database: TestDatabase;
  let daemon: DaemonProcess;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_dashboard');
    const store = { store: 'postgres', connectionString: database.url } as const;
    // Seeded an hour back: the silent one's last sign of life is an hour old, so the first sweep marks it stuck.
    await withLibrary(store, async ({ ledger }) => {
      await ledger.create({ delegationId: SILENT, callerId: 'planner', calleeId: 'translator', task: 'translate the release notes' });
      await ledger.setStatus(SILENT, 'dispatched');
      await ledger.heartbeat(SILENT);
      await ledger.create({ delegationId: TO_CANCEL, callerId: 'planner', calleeId: 'summarizer', task: 'summarize the thread' });
      for (let i = 0; i < 3; i += 1) await ledger.create({ delegationId: `ui-queued-${i}`, callerId: 'planner', calleeId: 'coder', task: `task ${i}` });
      // More than a page (50) for one callee: the pager's cursor is exercised.
      for (let i = 0; i < 60; i += 1)
        await ledger.create({ delegationId: `ui-bulk-${String(i).padStart(2, '0')}`, callerId: 'batch', calleeId: 'bulk', task: `bulk ${i}` });
    });
    daemon = DaemonProcess.start('bin', [], {
      DATABASE_URL: database.url,
      DELEGATIONS_ADMIN_TOKEN: TOKEN,
      DELEGATION_SWEEPER_INTERVAL_S: '1',
      DELEGATION_STUCK_THRESHOLD_S: '2',
      LOG_LEVEL: 'info',
    });
    base = await daemon.url();
    // The stuck delegation is the sweeper's doing, not the test's.
    for (let i = 0; i < 200; i += 1) {
      const answer = await api(base, `/admin/delegations/${SILENT}`, { token: TOKEN });
      if ((answer.body as { delegation?: { status?: string } } | null)?.delegation?.status === 'stuck') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await daemon?.kill();
    await database?.drop();
  });

  async function loggedIn(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/ui`);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    return page;
  }

  it('sends an unauthenticated page load to the login, and refuses a wrong token', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${base}/ui/delegations`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/ui/delegations');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not one configured');
    // Still not in: the API refuses this browser.
    const status = await page.evaluate(() => fetch('/admin/stats').then((r) => r.status));
    expect(status).toBe(401);
    await page.close();
  });

  it('shows the stuck delegation on the overview, and retries it with the button: the status and the timeline change without a reload', async () => {
    const page = await loggedIn();
    const stuckTable = page.locator('section', { has: page.getByRole('heading', { name: 'Stuck right now' }) });
    await stuckTable.getByRole('link', { name: SILENT }).waitFor();
    await expect(page.locator('[data-status="stuck"]').textContent()).resolves.toBe('1');
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });

    await stuckTable.getByRole('link', { name: SILENT }).click();
    await page.getByRole('heading', { name: `Delegation ${SILENT}` }).waitFor();
    await expect(page.getByTestId('status').textContent()).resolves.toBe('stuck');
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).marker = true;
    });
    await page.getByRole('button', { name: 'Retry…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('timeline').locator('li[data-type="requeued"]').waitFor();
    await expect(page.getByTestId('status').textContent()).resolves.toBe('queued');
    // The same document: no reload happened.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).marker)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'delegation.png'), fullPage: true });
    const answer = await api(base, `/admin/delegations/${SILENT}`, { token: TOKEN });
    expect(answer.body).toMatchObject({ delegation: { status: 'queued', attempt: 2 } });
    await page.close();
  });

  it('cancels a delegation with a reason, behind a confirmation', async () => {
    const page = await loggedIn();
    await page.goto(`${base}/ui/delegations/${TO_CANCEL}`);
    await page.getByRole('button', { name: 'Cancel…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('superseded by a newer plan');
    await dialog.getByRole('button', { name: 'Cancel delegation' }).click();
    await page.getByTestId('timeline').locator('li[data-type="cancelled"]').waitFor();
    await expect(page.getByTestId('status').textContent()).resolves.toBe('cancelled');
    await expect(page.getByTestId('timeline').textContent()).resolves.toContain('superseded by a newer plan');
    const answer = await api(base, `/admin/delegations/${TO_CANCEL}`, { token: TOKEN });
    expect(answer.body).toMatchObject({ delegation: { status: 'cancelled', errorDetail: 'superseded by a newer plan' } });
    await page.close();
  });

  it('follows the event stream: a change made elsewhere appears on the open page without a reload', async () => {
    const page = await loggedIn();
    await page.goto(`${base}/ui/delegations/ui-queued-1`);
    await expect(page.getByTestId('status').textContent()).resolves.toBe('queued');
    // The page says when its stream is open; the change is made elsewhere only then.
    await page.locator('[data-live="on"]').waitFor();
    const cancelled = await api(base, '/admin/delegations/ui-queued-1/cancel', { method: 'POST', token: TOKEN, body: '{"reason":"from the CLI"}' });
    expect(cancelled.status).toBe(200);
    await page.getByTestId('timeline').locator('li[data-type="cancelled"]').waitFor();
    await expect(page.getByTestId('status').textContent()).resolves.toBe('cancelled');
    await page.close();
  });

  it('refuses a state-changing request that carries the session cookie but not the CSRF token', async () => {
    const page = await loggedIn();
    const refused = await page.evaluate(() =>
      fetch('/admin/delegations/ui-queued-0/cancel', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      })),
    );
    expect(refused).toMatchObject({ status: 403, body: { field: 'x-csrf-token' } });
    const still = await api(base, '/admin/delegations/ui-queued-0', { token: TOKEN });
    expect(still.body).toMatchObject({ delegation: { status: 'queued' } });
    await page.close();
  });

  it('lists, filters and pages delegations, shows the settings, and logs out', async () => {
    const page = await loggedIn();
    await page.getByRole('link', { name: 'Delegations', exact: true }).click();
    await page.getByRole('heading', { name: 'Delegations' }).waitFor();
    const rows = () => page.locator('table.list tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''));
    await until(async () => (await rows()).length === 50);
    await page.getByLabel('Callee').fill('coder');
    await page.getByRole('button', { name: 'Apply' }).click();
    // The filtered page replaces the unfiltered one.
    await until(async () => {
      const ids = await rows();
      return ids.length === 3 && ids.every((id) => id.startsWith('ui-queued-'));
    });
    expect(new URL(page.url()).searchParams.get('calleeId')).toBe('coder');
    await page.screenshot({ path: join(SCREENSHOTS, 'delegations.png'), fullPage: true });
    // Two pages for the bulk callee: 50, then the other 10, then back.
    await page.getByLabel('Callee').fill('bulk');
    await page.getByRole('button', { name: 'Apply' }).click();
    await until(async () => (await rows()).length === 50);
    const first = await rows();
    expect(first.every((id) => id.startsWith('ui-bulk-'))).toBe(true);
    await page.getByRole('button', { name: 'Next' }).click();
    await until(async () => (await rows()).length === 10);
    const second = await rows();
    expect(new Set([...first, ...second]).size).toBe(60);
    await expect(page.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await until(async () => (await rows()).join() === first.join());
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText('Stuck threshold').waitFor();
    await expect(page.locator('main').textContent()).resolves.toContain('2 s');
    await page.screenshot({ path: join(SCREENSHOTS, 'settings.png'), fullPage: true });
    // Keyboard: on a fresh page the skip link is the first stop, and it leads to the content.
    await page.goto(`${base}/ui/settings`);
    await page.getByRole('heading', { name: 'Settings in force' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.getByRole('button', { name: /Log out/ }).click();
    await page.waitForURL(/\/ui\/login/);
    await page.goto(`${base}/ui`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.close();
  });

  it('is readable in a narrow window', async () => {
    const page = await loggedIn();
    await page.setViewportSize({ width: 380, height: 800 });
    const overflow = await page.evaluate(() => {
      const { documentElement } = (globalThis as unknown as PageGlobals).document;
      return documentElement.scrollWidth - documentElement.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'overview-narrow.png'), fullPage: true });
    await page.close();
  });
});
