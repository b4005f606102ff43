'use strict';
// Drives headless Chromium for InspectorPageIT: one JSON command per line on stdin, one JSON answer per line on
// stdout ({"result": …} or {"error": "…"}). Every response the page receives is recorded with its status.
const puppeteer = require('puppeteer-core');
const readline = require('readline');

const [executablePath] = process.argv.slice(2);
const answer = (o) => process.stdout.write(JSON.stringify(o) + '\n');

(async () => {
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
  });
  let page = null;
  const requests = [];
  const messages = [];
  const pending = new Map();

  async function open(url, width, height) {
    if (page) {
      await page.close();
    }
    requests.length = 0;
    messages.length = 0;
    pending.clear();
    page = await browser.newPage();
    await page.setViewport({ width, height });
    page.on('request', (r) => pending.set(r, Date.now()));
    page.on('response', (r) => {
      pending.delete(r.request());
      requests.push({ url: r.url(), method: r.request().method(), status: r.status(),
        authorization: r.request().headers().authorization || null });
    });
    page.on('requestfailed', (r) => {
      pending.delete(r);
      requests.push({ url: r.url(), method: r.request().method(), status: -1 });
    });
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    await page.goto(url, { waitUntil: 'load' });
  }

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const c = JSON.parse(line);
    try {
      let result = null;
      switch (c.cmd) {
        case 'open': await open(c.url, c.width, c.height); break;
        case 'viewport': await page.setViewport({ width: c.width, height: c.height }); break;
        case 'eval': result = await page.evaluate(c.expr); break;
        case 'waitFor':
          await page.waitForFunction(c.expr, { timeout: c.timeoutMs, polling: 200 });
          result = await page.evaluate(c.expr);
          break;
        case 'click': await page.click(c.selector); break;
        case 'type': await page.type(c.selector, c.text); break;
        case 'press': await page.keyboard.press(c.key); break;
        case 'screenshot': await page.screenshot({ path: c.path, fullPage: Boolean(c.fullPage) }); break;
        case 'requests': result = requests.splice(0); break;
        case 'messages': result = messages.splice(0); break;
        case 'pending':
          result = [...pending].map(([r, at]) => `${r.method()} ${r.url()} for ${Date.now() - at} ms`);
          break;
        case 'quit': await browser.close(); answer({ result: 'bye' }); process.exit(0); break;
        default: throw new Error('unknown command ' + c.cmd);
      }
      answer({ result });
    } catch (e) {
      answer({ error: String((e && e.message) || e) });
    }
  }
  await browser.close();
})().catch((e) => {
  answer({ error: 'driver failed: ' + String((e && e.stack) || e) });
  process.exit(1);
});
