// Browser journeys against the real binary: `node e2e/journey.mjs path/to/kith`. Starts Kith on a
// fresh data directory, drives Debian's Chromium headless through playwright-core, and checks
// each main screen with axe-core. On failure the page's screenshot is kept and named.
import { spawn, spawnSync } from "node:child_process";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const kith = resolve(process.argv[2] ?? "../target/debug/kith");
const port = Number(process.env.KITH_E2E_PORT ?? 7799);
const base = `http://127.0.0.1:${port}`;
const artifacts = resolve("e2e/artifacts");
const axeSource = readFileSync(resolve("node_modules/axe-core/axe.min.js"), "utf8");

const data = mkdtempSync(join(tmpdir(), "kith-e2e-"));

/** The token of the link to `page` in the newest mail Kith sent `to` (its local outbox). */
function mailedToken(page, to) {
  const outbox = spawnSync(kith, ["admin", "outbox", "--to", to, "--limit", "1"], {
    env: { ...process.env, KITH_DATA_DIR: data },
    encoding: "utf8",
  });
  const tokens = [...outbox.stdout.matchAll(new RegExp(`/${page}\\?token=([A-Za-z0-9_-]+)`, "g"))].map((m) => m[1]);
  check(tokens.length > 0, `no ${page} link in the outbox: ${outbox.stdout}${outbox.stderr}`);
  return tokens[0];
}

async function startKith() {
  const server = spawn(kith, ["serve"], {
    env: { ...process.env, KITH_DATA_DIR: data, KITH_BIND: `127.0.0.1:${port}`, KITH_PUBLIC_URL: base },
    stdio: ["ignore", "inherit", "inherit"],
  });
  let exited = null;
  server.on("exit", (code) => (exited = code));
  for (let i = 0; i < 100; i++) {
    if (exited !== null) throw new Error(`kith serve exited with ${exited} before it was ready`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  server.kill();
  throw new Error(`Kith did not become ready at ${base}`);
}

/** Debian's Chromium on a fresh profile, with everything that would reach the network off. */
async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "kith-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  });
}

/** Fails on serious or critical accessibility violations of the current screen. */
async function accessible(page, screen) {
  // Evaluated through the DevTools protocol, which the page's CSP (no inline script) allows.
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => await window.axe.run(document));
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    throw new Error(`${screen}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.help}`).join("; ")}`);
  }
}

const screenshots = resolve("../docs/screenshots");

/** Keeps the screen in docs/screenshots, in the light and the dark theme. */
async function screenshot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(screenshots, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: null });
}

/** The kanban card of the record `name` (its `li`; the column around it is a list item too). */
function cardItem(page, name) {
  return page.locator("li.card-item").filter({ has: page.getByRole("link", { name, exact: true }) });
}

/** The cards' names of a kanban column, top to bottom. */
async function cardNames(column) {
  return (await column.getByRole("link").allInnerTexts()).map((t) => t.trim());
}

/** Drags the card `name` by its handle onto `target` (a column, or a card: `before` or after
 *  it) the way a person does, and answers the body of the PATCH the drop sent. Each step waits
 *  for dnd-kit's own state instead of a pause: the drag has started (the card is `.dragging`),
 *  the target is the one under the pointer (its highlight), and the drop's request has been
 *  answered 200. */
async function dragCard(page, name, target, { card = false, before = true } = {}) {
  // dnd-kit scrolls the board while the pointer is near its edges (a fifth of its width): the
  // board is scrolled first to put the card and its target around its middle, out of those.
  const board = page.locator(".board");
  const [from, onto, frame] = await Promise.all([cardItem(page, name).boundingBox(), target.boundingBox(), board.boundingBox()]);
  const middle = (from.x + from.width / 2 + onto.x + onto.width / 2) / 2;
  await board.evaluate((element, dx) => element.scrollBy({ left: dx, behavior: "instant" }), middle - (frame.x + frame.width / 2));
  const handle = await page.getByRole("button", { name: `Move ${name}` }).boundingBox();
  const item = await cardItem(page, name).boundingBox();
  check(handle && item, `the card ${name} is on the board`);
  const start = { x: handle.x + handle.width / 2, y: handle.y + handle.height / 2 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  // Past the sensor's activation distance (4 px), in small steps.
  await page.mouse.move(start.x + 6, start.y + 6, { steps: 4 });
  await page.locator("li.card-item.dragging").waitFor();
  // Aimed again should the board have scrolled under the pointer all the same.
  const marked = target.and(page.locator(card ? ".drop-over" : ".over"));
  for (let attempt = 1; ; attempt++) {
    const box = await target.boundingBox();
    // Which side of a card is decided by the dragged card's middle, not the pointer's.
    const middleBelowPointer = item.y + item.height / 2 - start.y;
    const to = card
      ? { x: box.x + box.width / 2, y: box.y + box.height * (before ? 0.25 : 0.75) - middleBelowPointer }
      : { x: box.x + box.width / 2, y: box.y + Math.min(box.height - 10, 60) };
    await page.mouse.move(to.x, to.y, { steps: 12 });
    // dnd-kit marks what the drop would land on: the card's ring, or the column's border.
    try {
      await marked.waitFor({ timeout: 2000 });
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && /\/rest\/[a-z]+\/[0-9a-f-]+$/.test(r.url()));
  await page.mouse.up();
  const answer = await saved;
  check(answer.status() === 200, `the drop of ${name} is saved, not answered ${answer.status()}`);
  await page.locator("li.card-item.dragging").waitFor({ state: "detached" });
  return answer.request().postDataJSON();
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const journeys = {
  async "sign up, add and scroll companies, edit one, Ctrl+K, dark mode, sign out and in"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login/);
    await accessible(page, "sign-in");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Your name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByLabel("Workspace name").fill("Analytical Engines");
    await screenshot(page, "sign-up");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    await page.getByRole("heading", { name: "Companies" }).waitFor();
    await page.getByText("No companies yet.").waitFor();
    for (const object of ["People", "Opportunities", "Tasks", "Notes"]) {
      await page.getByRole("navigation").getByRole("link", { name: object }).waitFor();
    }
    await accessible(page, "companies, empty");

    await page.getByRole("button", { name: "+ New" }).click();
    await page.getByLabel("New company: Name").fill("Babbage & Co");
    await page.getByLabel("New company: Name").press("Enter");
    await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();

    // 130 more through the API: the table loads the later pages as it is scrolled.
    const workspace = page.url().split("/w/")[1].split("/")[0];
    const created = await page.evaluate(async (ws) => {
      const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
      const companies = Array.from({ length: 130 }, (_, i) => ({ name: `Company ${String(i + 1).padStart(3, "0")}` }));
      const answer = await fetch("/rest/batch/companies", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf, "x-kith-workspace": ws },
        body: JSON.stringify(companies),
      });
      return answer.status;
    }, workspace);
    check(created === 201, `creating companies through the API answered ${created}`);
    await page.reload();
    await page.getByText("131", { exact: true }).waitFor();
    const drawn = await page.getByRole("row").count();
    check(drawn < 80, `only the visible rows are drawn, not ${drawn}`);
    for (let i = 0; i < 20; i++) {
      await page.getByRole("grid").evaluate((grid) => grid.scrollTo(0, grid.scrollHeight));
      if (await page.getByRole("gridcell", { name: "Company 130", exact: true }).count()) break;
      await page.waitForTimeout(200);
    }
    await page.getByRole("gridcell", { name: "Company 130", exact: true }).waitFor();
    await accessible(page, "companies, scrolled");

    // Filter and sort, kept in the address across a reload.
    await page.getByPlaceholder("Filter by name…").fill("company 12");
    await page.getByText("10", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Name" }).click();
    await page.getByRole("button", { name: "Name" }).click();
    await page.waitForURL(/sort=name%3Adesc|sort=name:desc/);
    await page.reload();
    const first = page.getByRole("row").nth(1).getByRole("gridcell").nth(1);
    await first.filter({ hasText: "Company 129" }).waitFor();
    check(
      (await page.getByRole("columnheader", { name: "Name" }).getAttribute("aria-sort")) === "descending",
      "the Name column says it sorts descending",
    );
    // The filtered, sorted table saved as a file: every matching record, not only those drawn.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    check(/^companies-\d{4}-\d{2}-\d{2}\.csv$/.test(download.suggestedFilename()), `the file is named ${download.suggestedFilename()}`);
    const lines = readFileSync(await download.path(), "utf8").trim().split("\r\n");
    check(lines.length === 11, `a header and the 10 companies shown, not ${lines.length - 1}`);
    check(lines[0].startsWith("id,name,"), `the columns shown, from the id: ${lines[0]}`);
    check(lines[1].includes(",Company 129,"), `in the table's order: ${lines[1]}`);
    await page.getByText(/^Exported companies-.*\.csv$/).waitFor();
    // The same table as an Excel workbook (a zip, as every .xlsx is).
    const [workbook] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export Excel" }).click(),
    ]);
    check(/^companies-\d{4}-\d{2}-\d{2}\.xlsx$/.test(workbook.suggestedFilename()), `the workbook is named ${workbook.suggestedFilename()}`);
    check(readFileSync(await workbook.path()).subarray(0, 2).toString() === "PK", "the workbook is a zip file");
    await page.getByText(/^Exported companies-.*\.xlsx$/).waitFor();
    await page.getByPlaceholder("Filter by name…").fill("");
    await page.getByText("131", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Name" }).click();
    await page.getByRole("row").nth(1).getByRole("gridcell").nth(1).filter({ hasText: "Babbage & Co" }).waitFor();
    await page.getByRole("grid").evaluate((grid) => grid.scrollTo(0, 0));
    await screenshot(page, "companies");

    // Dark mode, kept in the profile across a reload.
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/v1/me") && r.request().method() === "PATCH");
    await page.getByLabel("Theme").selectOption("dark");
    check((await saved).status() === 200, "the theme is saved");
    await page.reload();
    await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    check(theme === "dark", `the chosen theme is kept, not ${theme}`);
    await accessible(page, "companies, dark");
    await page.getByLabel("Theme").selectOption("system");
    // The record page: a field edited in place, a wrong value refused, the change on the timeline.
    await page.getByRole("link", { name: "Babbage & Co" }).click();
    await page.getByRole("heading", { name: "Babbage & Co" }).waitFor();
    await page.getByLabel("Employees").click();
    await page.getByLabel("Employees").fill("twelve");
    await page.getByLabel("Employees").press("Enter");
    await page.getByRole("alert").filter({ hasText: "Type a number." }).waitFor();
    await page.getByLabel("Employees").fill("12");
    await page.getByLabel("Employees").press("Enter");
    const employees = page.getByRole("button", { name: "Employees" });
    await employees.filter({ hasText: /^12$/ }).waitFor();
    await page.getByText("changed Employees").waitFor();
    await accessible(page, "record page");
    await screenshot(page, "record");
    await page.reload();
    await employees.filter({ hasText: /^12$/ }).waitFor();
    await page.getByRole("link", { name: "Companies" }).first().click();
    await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();

    // Ctrl+K finds a record as one types, and runs actions.
    await page.keyboard.press("Control+K");
    await page.getByPlaceholder("Search records or type a command…").fill("babb");
    await page.getByRole("option", { name: /Babbage & Co/ }).click();
    await page.getByRole("heading", { name: "Babbage & Co" }).waitFor();
    await page.keyboard.press("Control+K");
    await page.getByPlaceholder("Search records or type a command…").fill("new person");
    await accessible(page, "palette");
    // Enter runs the highlighted option: wait until the search's answers have settled on it.
    await page.getByRole("option", { name: "New person", selected: true }).waitFor();
    await page.keyboard.press("Enter");
    await page.getByLabel("New person: Name").fill("Grace Hopper");
    await page.getByLabel("New person: Name").press("Enter");
    await page.getByRole("gridcell", { name: "Grace Hopper", exact: true }).waitFor();

    // Kanban: an opportunity dragged from New to Meeting, saved, the columns' counts and sums.
    await page.evaluate(async (ws) => {
      const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
      for (const [name, micros] of [["Engine order", 5_000_000_000], ["Spare parts", 250_000_000]]) {
        await fetch("/rest/opportunities", {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": csrf, "x-kith-workspace": ws },
          body: JSON.stringify({ name, stage: "NEW", amount: { amountMicros: micros, currencyCode: "USD" } }),
        });
      }
    }, workspace);
    await page.getByRole("link", { name: "Opportunities" }).click();
    await page.getByRole("button", { name: "Kanban" }).click();
    const column = (name) => page.getByRole("listitem", { name, exact: true });
    await column("New").getByRole("link", { name: "Engine order" }).waitFor();
    await column("New").getByText("2", { exact: true }).waitFor();
    await accessible(page, "kanban");
    const moved = await dragCard(page, "Engine order", column("Meeting"));
    check(moved.stage === "MEETING", `the drop saves the new stage, not ${JSON.stringify(moved)}`);
    await column("Meeting").getByRole("link", { name: "Engine order" }).waitFor();
    await screenshot(page, "kanban");
    await page.reload();
    await column("Meeting").getByRole("link", { name: "Engine order" }).waitFor();
    await column("New").getByText("1", { exact: true }).waitFor();
    check((await column("New").getByRole("link", { name: "Engine order" }).count()) === 0, "the card left New");
    // The board shows the table's filters too.
    await page.getByPlaceholder("Filter by name…").fill("spare");
    await column("New").getByRole("link", { name: "Spare parts" }).waitFor();
    await page.waitForFunction(() => !document.body.innerText.includes("Engine order"));
    await page.getByPlaceholder("Filter by name…").fill("");
    await column("Meeting").getByRole("link", { name: "Engine order" }).waitFor();

    // A note and a task on a company's page; the task completed from the Tasks screen.
    await page.getByRole("link", { name: "Companies" }).first().click();
    await page.getByRole("link", { name: "Babbage & Co" }).click();
    await page.getByRole("heading", { name: "Babbage & Co" }).waitFor();
    await page.getByRole("tab", { name: "Notes" }).click();
    await page.getByRole("button", { name: "+ Add note" }).click();
    await page.getByLabel("Note title").fill("First call");
    await page.getByLabel("Note body").fill("Wants **two** engines.\n\n- steam\n- brass");
    await page.getByRole("button", { name: "Add note" }).click();
    const note = page.getByRole("article", { name: "First call" });
    await note.waitFor();
    await note.locator("strong", { hasText: "two" }).waitFor();
    await page.getByRole("tab", { name: "Tasks" }).click();
    await page.getByRole("button", { name: "+ Add task" }).click();
    await page.getByLabel("Task title").fill("Send the quote");
    await page.getByLabel("Due date").fill("2026-12-31");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByRole("checkbox", { name: "Complete Send the quote" }).waitFor();
    await accessible(page, "record page, tasks");
    await page.getByRole("navigation").getByRole("link", { name: "Tasks" }).click();
    await page.getByRole("heading", { name: "Tasks" }).waitFor();
    await page.getByRole("tab", { name: "All" }).click();
    await page.getByRole("checkbox", { name: "Complete Send the quote" }).click();
    await page.getByRole("region", { name: "Done" }).getByRole("checkbox", { name: "Complete Send the quote" }).waitFor();
    await accessible(page, "tasks");
    await screenshot(page, "tasks");

    // A custom field made in Settings, then filled on a company's page.
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page.getByRole("navigation", { name: "Settings sections" }).waitFor();
    await accessible(page, "settings, profile");
    await screenshot(page, "settings");
    await page.getByRole("link", { name: "My data" }).click();
    const [mine] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download my data" }).click(),
    ]);
    check(/^kith-account-\d{4}-\d{2}-\d{2}\.json$/.test(mine.suggestedFilename()), `the account's file is ${mine.suggestedFilename()}`);
    const account = JSON.parse(readFileSync(await mine.path(), "utf8"));
    check(account.account.email === "ada@example.com" && account.workspaces[0]?.name === "Analytical Engines", "the file holds the account and its workspace");
    await accessible(page, "settings, my data");
    // The workspace deleted (after confirming), then restored from where there is none left.
    await page.getByRole("link", { name: "Delete workspace" }).click();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete workspace" }).click();
    await page.getByRole("heading", { name: "Create a workspace" }).waitFor();
    await accessible(page, "no workspace, one to restore");
    await page.getByRole("button", { name: "Restore Analytical Engines" }).click();
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page.getByRole("navigation", { name: "Settings sections" }).waitFor();
    await page.getByRole("link", { name: "Data model" }).click();
    await page.getByLabel("Object").selectOption({ label: "Companies" });
    await page.getByRole("button", { name: "+ Add field" }).click();
    await page.getByLabel("Field label").fill("Referral code");
    await page.getByLabel("Field type").selectOption("TEXT");
    await page.getByRole("button", { name: "Create field" }).click();
    await page.getByRole("status").filter({ hasText: "The field Referral code was added to Companies." }).waitFor();
    await accessible(page, "settings, data model");
    await page.getByRole("link", { name: "Companies" }).first().click();
    await page.getByRole("link", { name: "Babbage & Co" }).click();
    await page.getByRole("button", { name: "Referral code" }).click();
    await page.getByLabel("Referral code").fill("ADA-1843");
    await page.getByLabel("Referral code").press("Enter");
    await page.getByRole("button", { name: "Referral code" }).filter({ hasText: "ADA-1843" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Referral code" }).filter({ hasText: "ADA-1843" }).waitFor();

    await page.getByRole("link", { name: "People" }).click();
    await page.getByRole("heading", { name: "People" }).waitFor();
    check(page.url().endsWith("/people"), `People opens /people, not ${page.url()}`);

    // A CSV file imported into People: columns mapped as suggested, previewed, imported, its
    // rejected rows downloaded, then undone.
    await page.getByRole("link", { name: "Import", exact: true }).click();
    await page.getByRole("heading", { name: "Import people" }).waitFor();
    const contacts = "First name,Last name,E-mail,Company\nGrace,Hopper,grace@example.com,Babbage & Co\nAlan,Turing,alan@example.com,Babbage & Co\nNo,Email,not-an-email,\n";
    await page.getByLabel("CSV or Excel file").setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(contacts) });
    const emailField = page.getByLabel("Field for E-mail");
    await emailField.waitFor();
    check((await emailField.inputValue()) === "emails.primaryEmail", "E-mail is suggested as the email");
    const foundBy = await page.getByLabel("Company: Company found by").inputValue();
    check(foundBy === "name", `a company is found by its name, not ${foundBy}`);
    await accessible(page, "import, mapping");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByText("Would create 2 · would update 0 · skipped 0 · refused 1").waitFor();
    await page.getByText(/column "E-mail".*not an email address/).waitFor();
    await accessible(page, "import, preview");
    await screenshot(page, "import-preview");
    await page.getByRole("button", { name: "Import 2 rows" }).click();
    await page.getByText("Created 2 · updated 0 · skipped 0 · refused 1").waitFor();
    const [rejected] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download rejected rows" }).click(),
    ]);
    check(rejected.suggestedFilename() === "contacts-rejected.csv", `the rejected rows' file is ${rejected.suggestedFilename()}`);
    const rejectedRows = readFileSync(await rejected.path(), "utf8");
    check(rejectedRows.startsWith("First name,Last name,E-mail,Company,Import row,Import error") && rejectedRows.includes("not-an-email,,4,"), `the rejected row with why: ${rejectedRows}`);
    await page.getByRole("link", { name: "Back to people" }).click();
    await page.getByRole("gridcell", { name: "Alan Turing", exact: true }).waitFor();
    await page.getByText("alan@example.com").first().waitFor();
    await page.getByRole("link", { name: "Import", exact: true }).click();
    await page.getByRole("link", { name: "contacts.csv" }).click();
    await page.getByRole("button", { name: "Undo import" }).click();
    await page.getByText("Undid the import of contacts.csv").waitFor();
    await page.getByRole("link", { name: "Back to people" }).click();
    // Grace Hopper added by hand earlier stays; the two people imported are gone.
    await page.getByRole("gridcell", { name: "Alan Turing", exact: true }).waitFor({ state: "detached" });
    await page.getByRole("gridcell", { name: "Grace Hopper", exact: true }).waitFor();
    check((await page.getByRole("row").count()) === 2, "a header row and Grace Hopper's, nobody else");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "wrong email or password" }).waitFor();
    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();
  },

  async "kanban cards reordered within a column keep their order across a reload"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    const workspace = page.url().split("/w/")[1].split("/")[0];
    // Positions given, so that the starting order is certain (records created in the same
    // millisecond would share one).
    await page.evaluate(async (ws) => {
      const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
      const body = ["Boiler", "Cogs", "Dials"].map((name, i) => ({ name, stage: "PROPOSAL", position: i + 1 }));
      await fetch("/rest/batch/opportunities", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf, "x-kith-workspace": ws },
        body: JSON.stringify(body),
      });
    }, workspace);
    await page.goto(`${base}/w/${workspace}/opportunities?view=kanban`);
    const proposal = page.getByRole("listitem", { name: "Proposal", exact: true });
    await proposal.getByRole("link", { name: "Dials" }).waitFor();
    const order = async (expected, when) => {
      await page.waitForFunction(
        ([names]) => {
          const column = document.querySelector('[role=listitem][aria-label="Proposal"]');
          return [...(column?.querySelectorAll("li.card-item a") ?? [])].map((a) => a.textContent?.trim()).join(",") === names;
        },
        [expected.join(",")],
      ).catch(async () => check(false, `${when}: Proposal shows ${(await cardNames(proposal)).join(", ")}, not ${expected.join(", ")}`));
    };
    await order(["Boiler", "Cogs", "Dials"], "at first");

    // The last card dropped on the top half of the first goes before it: one PATCH, position only.
    const up = await dragCard(page, "Dials", cardItem(page, "Boiler"), { card: true, before: true });
    check(Object.keys(up).join() === "position" && up.position < 1, `moving up sends a position before Boiler's, not ${JSON.stringify(up)}`);
    await order(["Dials", "Boiler", "Cogs"], "after moving Dials up");
    // The first dropped on the bottom half of the last goes after it.
    const down = await dragCard(page, "Dials", cardItem(page, "Cogs"), { card: true, before: false });
    check(down.position > 2, `moving to the end sends a position after Cogs' (2), not ${JSON.stringify(down)}`);
    await order(["Boiler", "Cogs", "Dials"], "after moving Dials down");
    const middle = await dragCard(page, "Cogs", cardItem(page, "Boiler"), { card: true, before: true });
    check(middle.position < 1, `Cogs moves before Boiler, sent ${JSON.stringify(middle)}`);
    await order(["Cogs", "Boiler", "Dials"], "after moving Cogs up");
    await page.reload();
    await proposal.getByRole("link", { name: "Dials" }).waitFor();
    await order(["Cogs", "Boiler", "Dials"], "after a reload");
    await accessible(page, "kanban, reordered");
  },

  async "a filter built from chips, fewer columns, saved as a view and reopened by its address"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    await page.getByText("131", { exact: true }).waitFor();
    await page.getByRole("button", { name: "+ Filter" }).click();
    await page.getByRole("textbox", { name: "Field" }).fill("name");
    await page.getByRole("textbox", { name: "Field" }).press("Enter");
    await page.getByLabel("Value").fill("company 00");
    await page.getByLabel("Value").press("Enter");
    await page.getByRole("button", { name: "Edit filter Name contains company 00" }).waitFor();
    await page.getByText("9", { exact: true }).waitFor();
    await accessible(page, "companies, filtered");

    await page.getByRole("button", { name: "Fields" }).click();
    await page.getByRole("dialog", { name: "Fields shown" }).getByRole("checkbox", { name: "Employees" }).uncheck();
    await page.keyboard.press("Escape");
    check((await page.getByRole("columnheader", { name: "Employees" }).count()) === 0, "the hidden column is gone");

    await page.getByRole("button", { name: /All companies/ }).click();
    await page.getByRole("button", { name: "Save as new view…" }).click();
    await page.getByLabel("View name").fill("Early companies");
    const created = page.waitForResponse((r) => r.url().endsWith("/rest/metadata/views") && r.request().method() === "POST");
    await page.getByRole("button", { name: "Save view" }).click();
    check((await created).status() === 201, "the view is saved");
    await page.waitForURL(/[?&]v=/);
    const id = new URL(page.url()).searchParams.get("v");
    await screenshot(page, "saved-view");

    // Its address alone opens it as it was saved: the filter's chip, the count, the columns.
    await page.getByRole("button", { name: /Early companies/ }).click();
    await page.getByRole("button", { name: "All companies" }).click();
    await page.getByText("131", { exact: true }).waitFor();
    await page.goto(`${page.url().split("?")[0]}?v=${id}`);
    await page.getByRole("button", { name: "Edit filter Name contains company 00" }).waitFor();
    await page.getByText("9", { exact: true }).waitFor();
    await page.getByRole("columnheader", { name: "Name" }).waitFor();
    check((await page.getByRole("columnheader", { name: "Employees" }).count()) === 0, "the view keeps its columns");
    await page.getByRole("button", { name: "Early companies ▾" }).waitFor();
  },

  async "a change made through the API appears at once in an open table, saying who made it"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();
    const workspace = page.url().split("/w/")[1].split("/")[0];
    const { token, company } = await page.evaluate(async (ws) => {
      const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
      const made = await fetch(`/api/v1/workspaces/${ws}/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify({ name: "Sync script", scopes: ["records:read", "records:write"] }),
      });
      const list = await fetch(`/rest/companies?filter=${encodeURIComponent('name[eq]:"Babbage & Co"')}`, { headers: { "x-kith-workspace": ws } });
      return { token: (await made.json()).token, company: (await list.json()).data.companies[0].id };
    }, workspace);
    const changed = await fetch(`${base}/rest/companies/${company}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "Babbage & Sons" }),
    });
    check(changed.status === 200, `the API change answered ${changed.status}`);
    await page.getByRole("gridcell", { name: "Babbage & Sons", exact: true }).waitFor({ timeout: 3000 });
    await page.getByRole("status").filter({ hasText: "Sync script changed a company" }).waitFor({ timeout: 3000 });
    const back = await fetch(`${base}/rest/companies/${company}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "Babbage & Co" }),
    });
    check(back.status === 200, `the change back answered ${back.status}`);
    await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor({ timeout: 3000 });
  },

  async "rows selected by keyboard and mouse are deleted together and brought back with Undo"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    await page.getByText("131", { exact: true }).waitFor();
    await page.getByPlaceholder("Filter by name…").fill("company 11");
    await page.getByText("10", { exact: true }).waitFor();
    // The keyboard: into the grid (its first row), to the row's checkbox cell, Space selects it;
    // the mouse selects the next.
    await page.getByRole("grid").focus();
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Space");
    await page.getByRole("checkbox", { name: "Select Company 110" }).isChecked().then((on) => check(on, "Space selects the row"));
    await page.getByRole("checkbox", { name: "Select Company 111" }).click();
    await page.getByRole("toolbar", { name: "Selected records" }).getByText("2 selected").waitFor();
    await accessible(page, "companies, selected");
    await page.getByRole("toolbar", { name: "Selected records" }).getByRole("button", { name: "Delete" }).click();
    await page.getByRole("status").filter({ hasText: "2 companies moved to the trash." }).waitFor();
    await page.getByText("8", { exact: true }).waitFor();
    await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
    await page.getByText("10", { exact: true }).waitFor();
    await page.getByRole("gridcell", { name: "Company 111", exact: true }).waitFor();

    // A cell edited in place by keyboard: the cell before it clicked, → to Employees, Enter, type, Enter.
    const headers = await page.getByRole("columnheader").allInnerTexts();
    const employees = headers.findIndex((t) => t.trim().startsWith("Employees"));
    check(employees > 0, `an Employees column among ${headers.join(", ")}`);
    const row = page.getByRole("row").filter({ has: page.getByRole("gridcell", { name: "Company 112", exact: true }) });
    await row.getByRole("gridcell").nth(employees - 1).click();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    await page.getByRole("textbox", { name: "Employees" }).fill("42");
    const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/rest/companies/"));
    await page.keyboard.press("Enter");
    check((await saved).status() === 200, "the cell's value is saved");
    await row.getByRole("gridcell").nth(employees).getByText("42", { exact: true }).waitFor();
    await page.reload();
    await page.getByRole("row").filter({ has: page.getByRole("gridcell", { name: "Company 112", exact: true }) })
      .getByRole("gridcell").nth(employees).getByText("42", { exact: true }).waitFor();
    await page.getByPlaceholder("Filter by name…").fill("");
    await page.getByText("131", { exact: true }).waitFor();
  },

  async "a person's company chosen in the table through the relation picker"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    await page.getByRole("navigation").getByRole("link", { name: "People" }).click();
    await page.getByRole("gridcell", { name: "Grace Hopper", exact: true }).waitFor();
    await page.getByRole("button", { name: "Fields" }).click();
    await page.getByRole("dialog", { name: "Fields shown" }).getByRole("checkbox", { name: "Company" }).check();
    await page.keyboard.press("Escape");
    const headers = await page.getByRole("columnheader").allInnerTexts();
    const company = headers.findIndex((t) => t.trim().startsWith("Company"));
    check(company > 0, `a Company column among ${headers.join(", ")}`);
    const cell = () => page.getByRole("row").filter({ has: page.getByRole("gridcell", { name: "Grace Hopper", exact: true }) }).getByRole("gridcell").nth(company);
    await cell().click();
    await page.keyboard.press("Enter");
    await page.getByRole("combobox", { name: "Search Company" }).fill("babb");
    await page.getByRole("option", { name: "Babbage & Co", selected: true }).waitFor();
    await accessible(page, "people, relation picker");
    const saved = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/rest/people/"));
    await page.keyboard.press("Enter");
    check((await saved).status() === 200, "the chosen company is saved");
    await cell().getByText("Babbage & Co", { exact: true }).waitFor();
    await page.reload();
    await cell().getByText("Babbage & Co", { exact: true }).waitFor();
  },

  async "a company kept in the favourites, opened from the sidebar, then let go"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    const favorites = page.getByRole("region", { name: "Favourites" });
    await favorites.getByText("Star a record or a view to keep it here.").waitFor();
    await page.getByRole("grid").getByRole("link", { name: "Babbage & Co" }).click();
    await page.getByRole("heading", { name: "Babbage & Co" }).waitFor();
    const added = page.waitForResponse((r) => r.url().endsWith("/rest/metadata/favorites") && r.request().method() === "POST");
    await page.getByRole("button", { name: "Favourite", pressed: false }).click();
    check((await added).status() === 201, "the favourite is saved");
    const link = favorites.getByRole("link", { name: "Babbage & Co" });
    await link.waitFor();
    await page.getByRole("button", { name: "Favourite", pressed: true }).waitFor();
    await accessible(page, "record page, a favourite");
    await screenshot(page, "favorites");

    // Somewhere else, then back through the sidebar; kept across a reload.
    await page.getByRole("navigation").getByRole("link", { name: "People" }).click();
    await page.getByRole("heading", { name: "People" }).waitFor();
    await page.reload();
    await link.click();
    await page.getByRole("heading", { name: "Babbage & Co" }).waitFor();
    check((await link.getAttribute("aria-current")) === "page", "the open favourite is marked as the current place");

    const removed = page.waitForResponse((r) => r.url().includes("/rest/metadata/favorites/") && r.request().method() === "DELETE");
    await page.getByRole("button", { name: "Favourite", pressed: true }).click();
    check((await removed).status() === 200, "the favourite is removed");
    await favorites.getByText("Star a record or a view to keep it here.").waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Favourite", pressed: false }).waitFor();
    check((await favorites.getByRole("link").count()) === 0, "no favourite is left after a reload");
  },

  async "a page address opened before signing in is where signing in leads"(page) {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/w\/[0-9a-f-]+\/companies$/);
    const people = page.url().replace(/companies$/, "people");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(people);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(people);
    await page.getByRole("heading", { name: "People" }).waitFor();
  },
};

journeys["an invited member joins, sees the records, and resets a forgotten password"] = async (page) => {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/w\/[0-9a-f-]+\/companies/);
  const workspace = page.url().split("/w/")[1].split("/")[0];
  const invited = await page.evaluate(async (ws) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
    const answer = await fetch(`/api/v1/workspaces/${ws}/invitations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ email: "grace@example.com", role: "member" }),
    });
    return answer.status;
  }, workspace);
  check(invited === 201, `inviting answered ${invited}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);

  await page.goto(`${base}/invite?token=${mailedToken("invite", "grace@example.com")}`);
  await page.getByRole("heading", { name: "Join Analytical Engines" }).waitFor();
  await page.getByText("Ada Lovelace invited grace@example.com to Analytical Engines as member.").waitFor();
  await accessible(page, "invitation");
  await page.getByLabel("Your name").fill("Grace Hopper");
  await page.getByLabel("Password").fill("another good long password");
  await page.getByRole("button", { name: "Create account and join" }).click();
  await page.waitForURL(new RegExp(`/w/${workspace}/companies`));
  await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.getByLabel("Email").fill("grace@example.com");
  await page.getByRole("button", { name: "Send the link" }).click();
  await page.getByRole("status").waitFor();
  await page.goto(`${base}/reset-password?token=${mailedToken("reset-password", "grace@example.com")}`);
  await page.getByLabel("New password").fill("a brand new long password");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByRole("status").filter({ hasText: "Your password is changed" }).waitFor();
  await page.getByRole("link", { name: "Sign in" }).click();
  await page.getByLabel("Email").fill("grace@example.com");
  await page.getByLabel("Password").fill("a brand new long password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();
};

journeys["a viewer sees the records and is offered no edit"] = async (page) => {
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/w\/[0-9a-f-]+\/companies/);
  const workspace = page.url().split("/w/")[1].split("/")[0];
  await page.evaluate(async (ws) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
    await fetch(`/api/v1/workspaces/${ws}/invitations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ email: "ed@example.com", role: "viewer" }),
    });
  }, workspace);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto(`${base}/invite?token=${mailedToken("invite", "ed@example.com")}`);
  await page.getByLabel("Your name").fill("Ed Viewer");
  await page.getByLabel("Password").fill("a viewer's long password");
  await page.getByRole("button", { name: "Create account and join" }).click();
  await page.getByRole("gridcell", { name: "Babbage & Co", exact: true }).waitFor();
  check((await page.getByRole("button", { name: "+ New" }).count()) === 0, "a viewer is offered + New");
  await page.getByRole("link", { name: "Babbage & Co" }).click();
  await page.getByRole("heading", { name: "Babbage & Co" }).waitFor();
  check((await page.getByRole("button", { name: "Employees" }).count()) === 0, "a viewer is offered to edit Employees");
  await page.getByText("12", { exact: true }).waitFor();
  const refused = await page.evaluate(async ({ ws, path }) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
    const answer = await fetch(path, {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, "x-kith-workspace": ws },
      body: JSON.stringify({ employees: 13 }),
    });
    return answer.status;
  }, { ws: workspace, path: `/rest/companies/${page.url().split("/").pop()}` });
  check(refused === 403, `the server refuses a viewer's change, answering ${refused}`);
};

/** Registers an OAuth client as an MCP connector does (RFC 7591); answers its id. */
async function registerClient(name, redirect) {
  const answer = await fetch(`${base}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: name, redirect_uris: [redirect], token_endpoint_auth_method: "none" }),
  });
  check(answer.status === 201, `registering a client answered ${answer.status}`);
  return (await answer.json()).client_id;
}

/** A JSON-RPC call to /mcp with an access token; answers its result. */
async function mcpCall(token, id, method, params) {
  const answer = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
  });
  check(answer.status === 200, `/mcp ${method} answered ${answer.status}`);
  const body = await answer.json();
  check(body.result, `/mcp ${method} failed: ${JSON.stringify(body)}`);
  return body.result;
}

journeys["an MCP client is connected on the consent screen after signing in, and another is denied"] = async (page) => {
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);
  // The client's loopback redirect URI: nothing listens there, the browser's request is answered here.
  const redirect = "http://127.0.0.1:47321/callback";
  const returned = [];
  await page.route((url) => url.href.startsWith(redirect), (route) => {
    returned.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "text/html", body: "<title>Back in the app</title>" });
  });
  const client = await registerClient("Journey Agent", redirect);
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorize = (state) =>
    `${base}/oauth/authorize?${new URLSearchParams({
      response_type: "code", client_id: client, redirect_uri: redirect, code_challenge: challenge,
      code_challenge_method: "S256", state, scope: "records:read records:write", resource: `${base}/mcp`,
    })}`;

  // Signed out: the app's own sign-in, then back to the consent with its parameters.
  // A state with a space, & and % goes through the sign-in and back to the client as it was.
  const first = "first & 50%";
  await page.goto(authorize(first));
  await page.waitForURL(/\/login\?next=%2Foauth%2Fconsent%3F/);
  await page.getByText("An app asks to connect to your Kith workspace.").waitFor();
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Connect Journey Agent to Kith" }).waitFor();
  check(new URL(page.url()).searchParams.get("state") === first, `the consent keeps its parameters: ${page.url()}`);
  await page.getByText("http://127.0.0.1", { exact: true }).waitFor();
  await accessible(page, "consent");
  await screenshot(page, "consent");
  await page.getByLabel("Workspace").selectOption({ label: "Analytical Engines (owner)" });
  check(await page.getByLabel(/Read and change records \(asked for\)/).isChecked(), "what was asked for is chosen");
  await page.getByLabel("Read records", { exact: true }).focus();
  await page.keyboard.press("ArrowDown"); // radios by keyboard: back to read and change
  check(await page.getByLabel(/Read and change records \(asked for\)/).isChecked(), "the arrow keys move between grants");
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((url) => url.href.startsWith(redirect));
  const back = new URL(returned.at(-1));
  check(back.searchParams.get("state") === first, `the client's state comes back: ${back}`);
  check(back.searchParams.get("iss") === base, `the issuer is named: ${back}`);
  const code = back.searchParams.get("code");
  check(code, `a code comes back: ${back}`);

  // The client trades the code for tokens and works in the workspace through /mcp.
  const exchanged = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: client, code, code_verifier: verifier,
      redirect_uri: redirect, resource: `${base}/mcp`,
    }),
  });
  check(exchanged.status === 200, `the token endpoint answered ${exchanged.status}`);
  const tokens = await exchanged.json();
  check(tokens.scope === "records:read records:write", `the grant chosen: ${tokens.scope}`);
  await mcpCall(tokens.access_token, 1, "initialize", {
    protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "journey", version: "1" },
  });
  const listed = await mcpCall(tokens.access_token, 2, "tools/call", {
    name: "list_records", arguments: { object: "companies", filter: 'name[eq]:"Babbage & Co"' },
  });
  check(JSON.stringify(listed).includes("Babbage & Co"), `the agent reads the workspace: ${JSON.stringify(listed).slice(0, 300)}`);
  await page.goto(`${base}/`);
  await page.waitForURL(/\/w\/[0-9a-f-]+\/companies/);
  await page.goto(page.url().replace(/companies$/, "settings/apps"));
  await page.getByRole("table").first().getByText("Journey Agent").first().waitFor();

  // Signed in already: straight to the consent; denying sends the client access_denied.
  await page.goto(authorize("second"));
  await page.getByRole("heading", { name: "Connect Journey Agent to Kith" }).waitFor();
  await page.getByRole("button", { name: "Deny" }).click();
  await page.waitForURL((url) => url.href.startsWith(redirect) && url.searchParams.get("state") === "second");
  const denied = new URL(returned.at(-1));
  check(denied.searchParams.get("error") === "access_denied", `denying answers access_denied: ${denied}`);
  check(!denied.searchParams.has("code"), "no code for a denial");
};

journeys["a person's data is found by email, downloaded, and erased"] = async (page) => {
  await page.goto(`${base}/login`);
  if (!(await page.getByLabel("Email").count())) await page.goto(`${base}/`);
  else {
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("correct horse battery staple");
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await page.waitForURL(/\/w\/[0-9a-f-]+\/companies/);
  const workspace = page.url().split("/w/")[1].split("/")[0];
  const created = await page.evaluate(async (ws) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
    const answer = await fetch("/rest/people", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, "x-kith-workspace": ws },
      body: JSON.stringify({ name: { firstName: "Charles", lastName: "Babbage" }, emails: { primaryEmail: "charles@example.com" } }),
    });
    return answer.status;
  }, workspace);
  check(created === 201, `creating the person answered ${created}`);

  await page.goto(`${base}/w/${workspace}/settings/privacy`);
  await page.getByLabel("Email address").fill("Charles@Example.com");
  await page.getByRole("button", { name: "Find" }).click();
  await page.getByRole("link", { name: "Charles Babbage" }).waitFor();
  await accessible(page, "privacy requests");
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download as JSON" }).click(),
  ]);
  const copy = JSON.parse(readFileSync(await file.path(), "utf8"));
  check(copy.records?.[0]?.record?.name?.firstName === "Charles", `the copy holds the person: ${JSON.stringify(copy).slice(0, 200)}`);
  await screenshot(page, "privacy");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Erase everything about charles@example.com" }).click();
  await page.getByRole("status").filter({ hasText: "Erased charles@example.com: deleted 1 record" }).waitFor();
  await page.getByRole("table", { name: "Erasures" }).getByRole("row").nth(1).waitFor();
  await page.goto(`${base}/w/${workspace}/people`);
  await page.getByRole("heading", { name: "People" }).waitFor();
  await page.getByRole("gridcell", { name: "Grace Hopper", exact: true }).waitFor();
  check((await page.getByRole("gridcell", { name: "Charles Babbage", exact: true }).count()) === 0, "the erased person is gone from People");
};

/** The 6-digit TOTP code (RFC 6238: HMAC-SHA1, 30-second steps) of a base32 key at `step`. */
function totp(key, step) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of key.replace(/[\s=]/g, "")) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const secret = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", secret).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

const nowStep = () => Math.floor(Date.now() / 30_000);

journeys["two-factor sign-in is set up with an app's code, asked for at sign-in, and required of members"] = async (page) => {
  await page.goto(`${base}/login`);
  await page.evaluate(async () => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
    await fetch("/api/v1/auth/logout", { method: "POST", headers: { "x-csrf-token": csrf } });
  });
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/w\/[0-9a-f-]+\/companies/);
  const workspace = page.url().split("/w/")[1].split("/")[0];

  await page.goto(`${base}/w/${workspace}/settings/security`);
  await page.getByLabel("Current password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await page.getByRole("img", { name: /QR code/ }).waitFor();
  const key = await page.locator(".two-factor-key").innerText();
  await screenshot(page, "two-factor-setup");
  await accessible(page, "two-factor set-up");
  const enabledAt = nowStep();
  await page.getByLabel("Code from the app").fill(totp(key, enabledAt));
  await page.getByRole("button", { name: "Turn on" }).click();
  const list = page.getByRole("list", { name: "Recovery codes" });
  await list.waitFor();
  const codes = await list.getByRole("listitem").allInnerTexts();
  check(codes.length === 10, `ten recovery codes are shown, not ${codes.length}`);
  await page.getByRole("button", { name: "I have saved them" }).click();
  await page.getByText("10 recovery codes left.").waitFor();
  // Checked once the server has answered (the box shows the stored setting), so clicked, not .check().
  await page.getByRole("checkbox", { name: "Require two-factor sign-in of every member" }).click();
  await page.getByText("Members without two-factor sign-in can no longer open this workspace.").waitFor();

  // The password alone is not enough now: the form asks for the code, and takes it.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  const code = page.getByLabel("Two-factor code");
  await code.waitFor();
  await accessible(page, "two-factor sign-in");
  // The enabling code was used: the next one (within the allowed drift) signs in.
  await code.fill(totp(key, Math.max(nowStep(), enabledAt + 1)));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/w\/[0-9a-f-]+\/companies/);

  // A member without it is kept out, told why and where to turn it on.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);
  await page.getByLabel("Email").fill("grace@example.com");
  await page.getByLabel("Password").fill("a brand new long password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Analytical Engines requires two-factor sign-in" }).waitFor();
  await accessible(page, "two-factor required");
  await page.getByRole("link", { name: "Set up two-factor sign-in" }).click();
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).waitFor();
};

const server = await startKith();
// One browser context: the second journey starts signed in, as the first left it.
const context = await launch();
let failed = 0;
try {
  for (const [name, journey] of Object.entries(journeys)) {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (error) => console.log(`     page error: ${error.message}`));
    // The browser reports every 4xx answer as an error; those the app expects (401 before signing in) are not.
    page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && console.log(`     console: ${m.text()}`));
    try {
      await journey(page);
      console.log(`ok   ${name}`);
    } catch (error) {
      failed += 1;
      mkdirSync(artifacts, { recursive: true });
      const shot = join(artifacts, `${name.replace(/[^a-z0-9]+/gi, "-")}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      console.log(`FAIL ${name}\n     ${error.message}\n     screenshot: ${shot}`);
    } finally {
      await page.close();
    }
  }
} finally {
  await context.close();
  server.kill();
}
process.exitCode = failed ? 1 : 0;
