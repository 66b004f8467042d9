// Drives the lsys-web page in headless Chromium (playwright-core), for tests/browser.rs.
//
//   env LSYS_WEB_URL (page URL with ?token=), LSYS_WEB_USER, LSYS_WEB_SCREENSHOT, CHROMIUM
//   log in → `show configuration | display set` → resize the window → Ctrl-C → screenshot
//   prints one JSON line with what it saw; exits non-zero on failure.
import { chromium } from "playwright-core";

const url = process.env.LSYS_WEB_URL;
const user = process.env.LSYS_WEB_USER;
const shot = process.env.LSYS_WEB_SCREENSHOT;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(url);
  const text = () => page.evaluate(() => {
    const b = window.lsysTerm.buffer.active;
    const out = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
    return out.join("\n");
  });
  const prompts = (t) => t.split("\n").filter((l) => l.startsWith(user + "@") && l.includes(">")).length;
  const waitFor = async (what, pred, ms = 15000) => {
    const end = Date.now() + ms;
    for (;;) {
      const t = await text();
      if (pred(t)) return t;
      if (Date.now() > end) throw new Error("timed out waiting for " + what + ":\n" + t);
      // A pager prompt: page on.
      if (/---\(more/.test(t.trimEnd().split("\n").pop() || "")) await page.keyboard.press("Space");
      await page.waitForTimeout(50);
    }
  };
  let t = await waitFor("the prompt", (t) => prompts(t) >= 1);
  result.prompt = t.split("\n").find((l) => l.startsWith(user + "@"));
  result.address_bar = page.url();
  await page.keyboard.type("show configuration | display set");
  await page.keyboard.press("Enter");
  t = await waitFor("display set", (t) => /^set /m.test(t) && prompts(t) >= 2);
  result.set_lines = t.split("\n").filter((l) => l.startsWith("set ")).length;
  const size = () => page.evaluate(() => [window.lsysTerm.cols, window.lsysTerm.rows]);
  result.size_before = await size();
  await page.setViewportSize({ width: 700, height: 420 });
  await page.waitForFunction((c) => window.lsysTerm.cols !== c, result.size_before[0]);
  result.size_after = await size();
  await page.keyboard.type("show vers");
  // Counted before Ctrl-C: the new prompt may be drawn before the buffer is read again.
  await waitFor("the typed text", (t) => t.includes("show vers"));
  const before = prompts(await text());
  await page.keyboard.press("Control+C");
  t = await waitFor("a prompt after Ctrl-C", (t) => prompts(t) > before);
  result.after_ctrl_c = t.trimEnd().split("\n").slice(-2);
  await page.screenshot({ path: shot });
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
