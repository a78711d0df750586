// Time to the first rows of a table, measured in Chromium with the app's own performance mark:
// `node e2e/first-rows.mjs path/to/kith [people]` (default 1,000,000 people). Starts Kith on a
// fresh data directory, fills a workspace through the batch API, then opens the People table
// fresh (a new page, the session kept) several times and reports the time from the start of
// navigation to `kith:first-rows` (the grid's first drawn rows of data). Not a test: a
// measurement for docs/BENCHMARKS.md.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const kith = resolve(process.argv[2] ?? "../target/release/kith");
const people = Number(process.argv[3] ?? 1_000_000);
const port = Number(process.env.KITH_BENCH_PORT ?? 7798);
const base = `http://127.0.0.1:${port}`;
const runs = 10;
const data = mkdtempSync(join(tmpdir(), "kith-first-rows-"));

async function ready() {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Kith did not become ready at ${base}`);
}

/** A session's cookies and CSRF token, from signing up. */
async function signUp() {
  const answer = await fetch(`${base}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench", email: "bench@example.com", password: "a long bench password" }),
  });
  if (answer.status !== 201) throw new Error(`sign-up answered ${answer.status}`);
  const cookies = answer.headers.getSetCookie().map((c) => c.split(";")[0]);
  const csrf = cookies.find((c) => c.startsWith("kith_csrf="))?.split("=")[1] ?? "";
  return { cookie: cookies.join("; "), csrf };
}

async function json(path, session, method = "GET", body) {
  const answer = await fetch(`${base}${path}`, {
    method,
    headers: { cookie: session.cookie, "x-csrf-token": session.csrf, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${method} ${path} answered ${answer.status}: ${await answer.text()}`);
  return answer.json();
}

/** `people` people through the batch API, 1,000 a request, 4 in flight. */
async function seed(token) {
  const first = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken"];
  const last = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"];
  let next = 0;
  const started = Date.now();
  async function writer() {
    while (next < people) {
      const from = next;
      next += 1000;
      const batch = [];
      for (let i = from; i < Math.min(from + 1000, people); i++) {
        batch.push({ name: { firstName: first[i % 8], lastName: `${last[(i >> 3) % 8]} ${i}` }, jobTitle: "Engineer" });
      }
      const answer = await fetch(`${base}/rest/batch/people`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(batch),
      });
      if (answer.status !== 201) throw new Error(`batch answered ${answer.status}: ${await answer.text()}`);
    }
  }
  await Promise.all([writer(), writer(), writer(), writer()]);
  console.log(`seeded ${people} people in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const server = spawn(kith, ["serve"], {
  env: { ...process.env, KITH_DATA_DIR: data, KITH_BIND: `127.0.0.1:${port}`, KITH_PUBLIC_URL: base, KITH_LOG: "warn", KITH_TOKEN_RATE_LIMIT: "1000000", KITH_USER_RATE_LIMIT: "1000000" },
  stdio: ["ignore", "inherit", "inherit"],
});
try {
  await ready();
  const session = await signUp();
  const workspace = (await json("/api/v1/workspaces", session, "POST", { name: "Bench" })).id;
  const token = (await json(`/api/v1/workspaces/${workspace}/tokens`, session, "POST", { name: "seed", scopes: ["records:read", "records:write"] })).token;
  await seed(token);

  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kith-chromium-")), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  await context.addCookies(
    session.cookie.split("; ").map((pair) => {
      const [name, ...value] = pair.split("=");
      return { name, value: value.join("="), url: base };
    }),
  );
  const times = [];
  for (let run = 0; run <= runs; run++) {
    const page = await context.newPage();
    await page.goto(`${base}/w/${workspace}/people`);
    await page.getByRole("gridcell").nth(1).waitFor({ timeout: 30_000 });
    const at = await page.evaluate(() => performance.getEntriesByName("kith:first-rows")[0]?.startTime ?? NaN);
    // The first run fills the browser's cache of the app's files, as a person's first visit does.
    if (run > 0) times.push(at);
    await page.close();
  }
  await context.close();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`time to first rows of People at ${people} people, ${runs} loads: median ${median.toFixed(0)} ms, slowest ${times[times.length - 1].toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")})`);
} finally {
  server.kill();
}
