//! `cargo run --release -p kith-testkit --bin kith-bench -- --people 1000000 --companies 100000`
//!
//! Starts a real Kith server on 127.0.0.1, fills a workspace through the batch API, and measures
//! over HTTP what the performance targets name: a filtered, sorted page of 50; the default page;
//! get-by-id with 32 clients; search; batch creation. Prints a Markdown table for
//! docs/BENCHMARKS.md. `--workspaces N` measures instead an instance serving N small workspaces.
#![forbid(unsafe_code)]

use kith_testkit::{Backend, TestApp, send};
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The allocator the `kith` binary uses, so the server measured here is the one that ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FIRST: [&str; 20] = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Edsger",
    "Frances",
    "John",
    "Radia",
    "Tim",
    "Katherine",
    "Donald",
    "Hedy",
    "Guido",
    "Sophie",
    "Niklaus",
    "Anita",
];
const LAST: [&str; 20] = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie",
    "Dijkstra", "Allen", "McCarthy", "Perlman", "Lee", "Johnson", "Knuth", "Lamarr", "Rossum",
    "Wilson", "Wirth", "Borg",
];
const TITLES: [&str; 6] = [
    "Engineer",
    "Founder",
    "CTO",
    "Designer",
    "Sales lead",
    "Analyst",
];

struct Options {
    people: usize,
    companies: usize,
    /// Batch requests in flight at once while seeding.
    writers: usize,
    /// Stop after measuring batch creation.
    create_only: bool,
    /// Measure instead an import of a CSV file of `people` rows (after seeding the companies).
    import_only: bool,
    /// After seeding, measure only the exports, each format three times.
    export_only: bool,
    /// After seeding, print where the server and its data are and wait for a line on stdin, so
    /// that the database can be examined (`EXPLAIN`) with the workspace loaded and idle.
    hold: bool,
    /// Instead of one large workspace: this many small ones, touched one after another.
    workspaces: usize,
    /// `KITH_OPEN_WORKSPACE_FILES` of the server (its default when unset).
    open_workspace_files: Option<u32>,
    backend: Backend,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        people: 1_000_000,
        companies: 100_000,
        writers: 4,
        create_only: false,
        import_only: false,
        export_only: false,
        hold: false,
        workspaces: 0,
        open_workspace_files: None,
        backend: Backend::Sqlite,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--people" => {
                options.people = value()?
                    .parse()
                    .map_err(|_| "--people takes a number".to_owned())?
            }
            "--companies" => {
                options.companies = value()?
                    .parse()
                    .map_err(|_| "--companies takes a number".to_owned())?
            }
            "--writers" => {
                options.writers = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| "--writers takes a number of at least 1".to_owned())?
            }
            "--create-only" => options.create_only = true,
            "--import-only" => options.import_only = true,
            "--export-only" => options.export_only = true,
            "--hold" => options.hold = true,
            "--open-workspace-files" => {
                options.open_workspace_files =
                    Some(value()?.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        "--open-workspace-files takes a number of at least 1".to_owned()
                    })?)
            }
            "--workspaces" => {
                options.workspaces = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n >= 100)
                    .ok_or_else(|| "--workspaces takes a number of at least 100".to_owned())?
            }
            "--backend" => {
                options.backend = match value()?.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "postgres" => Backend::Postgres,
                    other => return Err(format!("--backend is sqlite or postgres, not {other:?}")),
                }
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use --people N --companies N --writers N --create-only --import-only --export-only --hold --workspaces N --open-workspace-files N --backend sqlite|postgres"
                ));
            }
        }
    }
    if options.companies == 0 {
        return Err("--companies must be at least 1".into());
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("kith-bench: {e}");
            std::process::exit(2);
        }
    };
    let app = TestApp::start_with(options.backend, |s| {
        s.token_rate_limit = Some(u32::MAX);
        s.open_workspace_files = s.open_workspace_files.or(options.open_workspace_files);
    })
    .await;
    if options.workspaces > 0 {
        many_workspaces(&app, options.workspaces).await;
        app.stop().await;
        return;
    }
    let (owner, workspace) = app.owner_with_workspace("bench@example.com").await;
    let token = owner
        .post(
            &format!("/api/v1/workspaces/{workspace}/tokens"),
            json!({ "name": "bench", "scopes": ["records:read", "records:write", "metadata:write"] }),
        )
        .await
        .expect_status(201)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let client = Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let api = Api {
        client,
        base: app.base.clone(),
        token,
    };

    let (company_ids, company_rate, _) = seed(
        &api,
        "companies",
        options.companies,
        options.writers,
        |i| json!({ "name": format!("Company {i}") }),
    )
    .await;
    if options.import_only {
        import_people(&api, options.people, options.companies).await;
        app.stop().await;
        return;
    }
    let companies = Arc::new(company_ids.clone());
    let (person_ids, people_rate, people_cpu_us) = seed(&api, "people", options.people, options.writers, move |i| {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        json!({
            "name": { "firstName": first, "lastName": last },
            "emails": { "primaryEmail": format!("{}.{}.{i}@example.com", first.to_lowercase(), last.to_lowercase()) },
            "jobTitle": TITLES[i % TITLES.len()],
            "city": if i % 3 == 0 { "Paris" } else { "London" },
            "companyId": companies.get(i % companies.len().max(1)),
        })
    })
    .await;

    if options.create_only {
        println!(
            "companies: {company_rate:.0} records/s, people: {people_rate:.0} records/s, {people_cpu_us:.1} µs of CPU per person"
        );
        app.stop().await;
        return;
    }
    if options.backend == Backend::Postgres {
        vacuum_workspace(&workspace).await;
    }
    if options.hold {
        hold(&app, &api, &workspace);
    }
    if options.export_only {
        exports_three_times(&api).await;
        app.stop().await;
        return;
    }
    let page = latencies(&api, 1000, |i| {
        let company = &company_ids[(i * 7919) % company_ids.len()];
        format!("/rest/people?filter=companyId[eq]:{company}&order_by=name.lastName[AscNullsFirst]&limit=50")
    })
    .await;
    // What a list shows first when nothing is asked: no filter, the default order (by id).
    let default_page = latencies(&api, 300, |_| "/rest/people?limit=50".to_owned()).await;
    let whole_list = latencies(&api, 50, |i| {
        let direction = if i % 2 == 0 {
            "AscNullsFirst"
        } else {
            "DescNullsLast"
        };
        format!("/rest/people?order_by=name.lastName[{direction}]&limit=50")
    })
    .await;
    // A table's header clicked: the standard fields it sorts by, both of Twenty's directions.
    let sorted_by_field = latencies(&api, 400, |i| {
        let field = ["name.firstName", "emails.primaryEmail", "jobTitle", "city"][i % 4];
        let direction = ["AscNullsFirst", "DescNullsLast"][(i / 4) % 2];
        format!("/rest/people?order_by={field}[{direction}]&limit=50")
    })
    .await;
    let search = latencies(&api, 300, |i| {
        let name = FIRST[i % FIRST.len()];
        format!("/rest/search?q={}&limit=20", &name[..3.min(name.len())])
    })
    .await;
    // A table's record count, asked apart from its rows (as the web app does).
    let unfiltered_count = latencies(&api, 300, |_| {
        "/rest/people?limit=1&count=true&fields=id".to_owned()
    })
    .await;
    let typing = search_as_you_type(&api, 8, 40).await;
    let update = update_latencies(&api, &person_ids, 300).await;
    let duplicates = duplicate_latencies(&api, 20).await;
    let throughput = get_by_id_throughput(&api, &person_ids, 32, 20_000).await;
    let rest_get = latencies(&api, 300, |i| {
        format!(
            "/rest/people/{}?depth=1",
            person_ids[(i * 7919) % person_ids.len()]
        )
    })
    .await;
    let mcp_get = mcp_latencies(&api, 300, |i| {
        json!({ "name": "get_record", "arguments": { "object": "people", "id": person_ids[(i * 7919) % person_ids.len()] } })
    })
    .await;
    let rest_page = latencies(&api, 300, |_| "/rest/people?limit=50&depth=1".to_owned()).await;
    let mcp_page = mcp_latencies(
        &api,
        300,
        |_| json!({ "name": "list_records", "arguments": { "object": "people", "limit": 50 } }),
    )
    .await;
    let (add_field_ms, remove_field_ms) = add_and_remove_a_field(&api, "person").await;
    let csv_export = export(&api, "csv").await;
    let json_export = export(&api, "json").await;
    let xlsx_export = export(&api, "xlsx").await;

    println!("| measurement | result | target |");
    println!("|---|---|---|");
    println!(
        "| batch create, companies (1,000 a request, {} in flight) | {company_rate:.0} records/s | ≥ 50,000 records/s |",
        options.writers
    );
    println!(
        "| batch create, people with a company (1,000 a request, {} in flight) | {people_rate:.0} records/s ({people_cpu_us:.1} µs of CPU each) | ≥ 50,000 records/s |",
        options.writers
    );
    println!(
        "| filtered, sorted page of 50 (`companyId[eq]`, `order_by=name.lastName`) | p50 {:.2} ms, p99 {:.2} ms | p99 < 5 ms |",
        page.0, page.1
    );
    println!(
        "| default page of 50 people (no filter, no order given) | p50 {:.2} ms, p99 {:.2} ms | an index serves it |",
        default_page.0, default_page.1
    );
    println!(
        "| unfiltered page of 50 people sorted by last name (no index on it) | p50 {:.2} ms, p99 {:.2} ms | (none set) |",
        whole_list.0, whole_list.1
    );
    println!(
        "| page of 50 people sorted by a standard field (first name, email, job title, city; ascending and descending) | p50 {:.2} ms, p99 {:.2} ms | p99 < 5 ms |",
        sorted_by_field.0, sorted_by_field.1
    );
    println!(
        "| get by id, 32 clients, 20,000 requests | {throughput:.0} requests/s | > 10,000 requests/s |"
    );
    println!(
        "| search, 3-letter prefix (`q=Ada`…), 20 results | p50 {:.2} ms, p99 {:.2} ms | p99 < 50 ms |",
        search.0, search.1
    );
    println!(
        "| record count of an unfiltered view (`count=true`) | p50 {:.2} ms, p99 {:.2} ms | p99 < 5 ms |",
        unfiltered_count.0, unfiltered_count.1
    );
    println!(
        "| search as you type: 8 clients, each typing names letter by letter (prefixes of 1–4 letters), 20 results | p50 {:.2} ms, p99 {:.2} ms | p99 < 20 ms |",
        typing.0, typing.1
    );
    println!(
        "| change a person's job title (`PATCH`) | p50 {:.2} ms, p99 {:.2} ms | (none set; \"feels instant\") |",
        update.0, update.1
    );
    println!(
        "| duplicates of a new person who has none (name and email) | p50 {:.2} ms, p99 {:.2} ms | (none set) |",
        duplicates.0, duplicates.1
    );
    println!(
        "| get a person with their company: REST `GET /rest/people/{{id}}?depth=1` / MCP `get_record` | p50 {:.2} / {:.2} ms, p99 {:.2} / {:.2} ms | MCP within 2× of REST |",
        rest_get.0, mcp_get.0, rest_get.1, mcp_get.1
    );
    println!(
        "| page of 50 people with their companies: REST `?limit=50&depth=1` / MCP `list_records` | p50 {:.2} / {:.2} ms, p99 {:.2} / {:.2} ms | MCP within 2× of REST |",
        rest_page.0, mcp_page.0, rest_page.1, mcp_page.1
    );
    println!("| add a field to people | {add_field_ms:.1} ms | well under a second |");
    for (format, (seconds, bytes)) in [
        ("CSV", csv_export),
        ("JSON", json_export),
        ("XLSX", xlsx_export),
    ] {
        println!(
            "| export every person as {format} (`/rest/people/export`) | {seconds:.2} s, {:.0} MB | at most 5 s |",
            bytes as f64 / 1e6
        );
    }
    println!("| remove that field | {remove_field_ms:.1} ms | well under a second |");
    println!(
        "\n{} people, {} companies, {:?} backend",
        person_ids.len(),
        company_ids.len(),
        options.backend
    );
    // Stopped before its database is dropped: the catch-up after the field's removal may still
    // be indexing people again, and dropping the schema under it can deadlock.
    app.stop().await;
}

#[derive(Clone)]
struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    async fn get(&self, path: &str) -> Value {
        let reply = send(
            self.client
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.token),
        )
        .await;
        reply.expect_status(200)
    }

    /// `GET path`, which must answer 200, its body read but not parsed (for the clients that
    /// measure the server at full load: parsing would take the cores they share with it).
    async fn fetch(&self, path: &str) {
        self.respond(path).await.bytes().await.expect("body");
    }

    /// The answer to `GET path`, which must be 200, before its body is read.
    async fn respond(&self, path: &str) -> reqwest::Response {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200);
        response
    }
}

/// Seconds to download every person as one file in `format`, and the file's size in bytes; the
/// file is read as it arrives, not kept.
async fn export(api: &Api, format: &str) -> (f64, usize) {
    let started = Instant::now();
    let mut response = api
        .respond(&format!("/rest/people/export?format={format}"))
        .await;
    let mut bytes = 0;
    while let Some(chunk) = response.chunk().await.expect("the file") {
        bytes += chunk.len();
    }
    (started.elapsed().as_secs_f64(), bytes)
}

/// Each format's export three times, one after another, printed as a table row each.
async fn exports_three_times(api: &Api) {
    println!("| export every person as | first | second | third | size |");
    println!("|---|---|---|---|---|");
    for format in ["csv", "json", "xlsx"] {
        let mut runs = Vec::new();
        for _ in 0..3 {
            runs.push(export(api, format).await);
        }
        let seconds: Vec<String> = runs.iter().map(|(s, _)| format!("{s:.2} s")).collect();
        println!(
            "| {format} | {} | {:.0} MB |",
            seconds.join(" | "),
            runs[0].1 as f64 / 1e6
        );
    }
}

/// Uploads a CSV file of `rows` people (each with a company found by its name) and imports it,
/// creating every person; prints the upload's and the import's times.
async fn import_people(api: &Api, rows: usize, companies: usize) {
    let mut file = String::from("First name,Last name,Email,Job title,City,Company\n");
    for i in 0..rows {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        file.push_str(&format!(
            "{first},{last},{}.{}.{i}@example.com,{},{},Company {}\n",
            first.to_lowercase(),
            last.to_lowercase(),
            TITLES[i % TITLES.len()],
            if i % 3 == 0 { "Paris" } else { "London" },
            i % companies,
        ));
    }
    let bytes = file.len();
    let started = Instant::now();
    let request = api
        .client
        .post(format!(
            "{}/rest/people/imports?fileName=people.csv",
            api.base
        ))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(file);
    let uploaded = send(request).await.expect_status(201);
    let upload_s = started.elapsed().as_secs_f64();
    let id = uploaded["data"]["id"].as_str().expect("id").to_owned();
    let columns: Vec<Value> = uploaded["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| json!({ "column": c["column"], "field": c["field"], "by": c["by"] }))
        .collect();
    let spec = json!({ "mode": "CREATE", "columns": columns });
    let started = Instant::now();
    let request = api
        .client
        .post(format!("{}/rest/people/imports/{id}/run", api.base))
        .bearer_auth(&api.token)
        .json(&spec);
    send(request).await.expect_status(202);
    let record = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let record = api.get(&format!("/rest/people/imports/{id}")).await["data"].clone();
        if !matches!(record["status"].as_str(), Some("RUNNING" | "CANCELLING")) {
            break record;
        }
    };
    let run_s = started.elapsed().as_secs_f64();
    assert_eq!(record["status"], "DONE", "{record}");
    assert_eq!(
        record["counts"]["created"].as_u64(),
        Some(rows as u64),
        "{record}"
    );
    println!("| measurement | result | target |");
    println!("|---|---|---|");
    println!(
        "| upload a CSV file of {rows} people ({:.0} MB) | {upload_s:.2} s | (none set) |",
        bytes as f64 / 1e6
    );
    println!(
        "| import it, creating every person, each with a company found by name | {run_s:.2} s, {:.0} rows/s | ≥ 100,000 rows/s |",
        rows as f64 / run_s
    );
}

/// Milliseconds to add a text field to an object with all its records, and to remove it again.
async fn add_and_remove_a_field(api: &Api, object: &str) -> (f64, f64) {
    let objects = api.get("/rest/metadata/objects").await;
    let object_id = objects["data"]["objects"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["nameSingular"] == object))
        .map(|o| o["id"].clone())
        .expect("object");
    let body = json!({ "objectMetadataId": object_id, "name": "benchNote", "label": "Bench note", "type": "TEXT" });
    let started = Instant::now();
    let request = api
        .client
        .post(format!("{}/rest/metadata/fields", api.base))
        .bearer_auth(&api.token)
        .json(&body);
    let created = send(request).await.expect_status(201);
    let added = started.elapsed().as_secs_f64() * 1000.0;
    let id = created["data"]["createOneField"]["id"]
        .as_str()
        .expect("field id")
        .to_owned();
    let started = Instant::now();
    let request = api
        .client
        .delete(format!("{}/rest/metadata/fields/{id}", api.base))
        .bearer_auth(&api.token);
    send(request).await.expect_status(200);
    (added, started.elapsed().as_secs_f64() * 1000.0)
}

/// Creates `count` records 1,000 a request, `writers` requests at a time; returns their ids, the
/// rate, and the microseconds of CPU (server and client together) each record took, a second
/// view of the same run (on the 2-core machine it moved with the rate, docs/BENCHMARKS.md).
/// The request bodies are serialized before the clock starts: the client shares the
/// server's two cores, and a load generator building its payloads is no part of the server's work.
async fn seed(
    api: &Api,
    plural: &str,
    count: usize,
    writers: usize,
    make: impl Fn(usize) -> Value,
) -> (Vec<String>, f64, f64) {
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..count)
            .step_by(BATCH)
            .map(|first| {
                let batch: Vec<Value> = (first..(first + BATCH).min(count)).map(&make).collect();
                serde_json::to_vec(&batch).expect("a batch serializes")
            })
            .collect(),
    );
    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..writers.max(1) {
        let (client, url, token) = (
            api.client.clone(),
            format!("{}/rest/batch/{plural}", api.base),
            api.token.clone(),
        );
        let (next, bodies, plural) = (Arc::clone(&next), Arc::clone(&bodies), plural.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let first = next.fetch_add(BATCH, Ordering::Relaxed);
                if first >= count {
                    return ids;
                }
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bodies[first / BATCH].clone())
                    .send()
                    .await
                    .expect("request reaches the server");
                let status = response.status().as_u16();
                let body = response.bytes().await.expect("response body");
                assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
                // Only the ids: the client shares the server's two cores.
                let created: Created = serde_json::from_slice(&body).expect("created records");
                ids.extend(created.data.into_values().flatten().map(|r| r.id));
                if (first / BATCH) % 100 == 99 {
                    eprintln!(
                        "{plural}: {} of {count} after {:.0?}",
                        first + BATCH,
                        started.elapsed()
                    );
                }
            }
        }));
    }
    let mut ids = Vec::with_capacity(count);
    for task in tasks {
        ids.extend(task.await.expect("writer task"));
    }
    let rate = count as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let cpu_us = (process_cpu_seconds() - cpu_before) * 1e6 / count.max(1) as f64;
    (ids, rate, cpu_us)
}

/// CPU time this process has used, all threads, in seconds (`/proc/self/stat`; Linux counts it
/// in ticks of 1/100 s on every architecture Kith builds for). Zero where it cannot be read.
fn process_cpu_seconds() -> f64 {
    const TICKS_PER_SECOND: f64 = 100.0;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may hold spaces: utime and
    // stime are the 12th and 13th of them.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks / TICKS_PER_SECOND
}

/// Records per batch request.
const BATCH: usize = 1000;

#[derive(serde::Deserialize)]
struct Created {
    data: std::collections::HashMap<String, Vec<CreatedId>>,
}

#[derive(serde::Deserialize)]
struct CreatedId {
    id: String,
}

/// p50 and p99 in milliseconds of `count` sequential requests.
async fn latencies(api: &Api, count: usize, path: impl Fn(usize) -> String) -> (f64, f64) {
    let mut times: Vec<Duration> = Vec::with_capacity(count);
    for i in 0..count {
        let path = path(i);
        let started = Instant::now();
        api.get(&path).await;
        times.push(started.elapsed());
    }
    percentiles(times)
}

/// p50 and p99 in milliseconds of `count` sequential MCP tool calls to `/mcp` (stateless: one
/// POST each, as any client of 2025-06-18 or later sends them once initialized), each a success.
async fn mcp_latencies(api: &Api, count: usize, call: impl Fn(usize) -> Value) -> (f64, f64) {
    let mut times: Vec<Duration> = Vec::with_capacity(count);
    for i in 0..count {
        let body = json!({ "jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call(i) });
        let started = Instant::now();
        let reply = send(
            api.client
                .post(format!("{}/mcp", api.base))
                .bearer_auth(&api.token)
                .header("accept", "application/json, text/event-stream")
                .header("mcp-protocol-version", "2025-11-25")
                .json(&body),
        )
        .await
        .expect_status(200);
        times.push(started.elapsed());
        assert_eq!(reply["result"]["isError"], false, "{reply}");
    }
    percentiles(times)
}

/// p50 and p99 in milliseconds of `count` sequential changes of a person's job title.
async fn update_latencies(api: &Api, ids: &[String], count: usize) -> (f64, f64) {
    let mut times: Vec<Duration> = Vec::with_capacity(count);
    for i in 0..count {
        let id = &ids[(i * 7_919) % ids.len()];
        let request = api
            .client
            .patch(format!("{}/rest/people/{id}", api.base))
            .bearer_auth(&api.token)
            .json(&json!({ "jobTitle": format!("Title {i}") }));
        let started = Instant::now();
        send(request).await.expect_status(200);
        times.push(started.elapsed());
    }
    percentiles(times)
}

/// p50 and p99 in milliseconds of `count` duplicate checks of a would-be person who has none
/// (the usual case, and the slowest: nothing ends the search early).
async fn duplicate_latencies(api: &Api, count: usize) -> (f64, f64) {
    let mut times: Vec<Duration> = Vec::with_capacity(count);
    for i in 0..count {
        let body = json!({ "data": [{
            "name": { "firstName": format!("Newcomer{i}"), "lastName": "Unknown" },
            "emails": { "primaryEmail": format!("newcomer.{i}@example.org") },
        }] });
        let request = api
            .client
            .post(format!("{}/rest/people/duplicates", api.base))
            .bearer_auth(&api.token)
            .json(&body);
        let started = Instant::now();
        send(request).await.expect_status(200);
        times.push(started.elapsed());
    }
    percentiles(times)
}

/// The median and 99th percentile, in milliseconds.
fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| {
        times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99))
}

/// Requests per second of `clients` concurrent clients fetching random records by id.
async fn get_by_id_throughput(api: &Api, ids: &[String], clients: usize, total: usize) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = api.clone();
        let ids: Vec<String> = (0..total / clients)
            .map(|i| ids[(c * 104_729 + i * 7_919) % ids.len()].clone())
            .collect();
        tasks.push(tokio::spawn(async move {
            for id in ids {
                api.fetch(&format!("/rest/people/{id}")).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// On PostgreSQL, vacuums and analyzes the workspace's tables after the load, as autovacuum does
/// in the minutes after a million records arrive: done before measuring rather than beside it,
/// the figures are those of a database at rest (measured beside it, search and pages took
/// several times longer, on two cores shared with the vacuum).
async fn vacuum_workspace(workspace: &str) {
    use sqlx::Connection as _;
    let started = Instant::now();
    let url = std::env::var("KITH_TEST_POSTGRES_URL").expect("KITH_TEST_POSTGRES_URL");
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    let schema = kith_testkit::workspace_schema(workspace);
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = $1")
            .bind(&schema)
            .fetch_all(&mut conn)
            .await
            .expect("the workspace's tables");
    for table in tables {
        let vacuum = format!("VACUUM (ANALYZE) \"{schema}\".\"{table}\"");
        sqlx::query(sqlx::AssertSqlSafe(vacuum))
            .execute(&mut conn)
            .await
            .expect("vacuum");
    }
    eprintln!("vacuumed and analyzed after {:.0?}", started.elapsed());
}

/// `--hold`: names the server, its token and the workspace's data, then waits for a line on stdin.
fn hold(app: &TestApp, api: &Api, workspace: &str) {
    let data = match app.backend {
        Backend::Sqlite => app.workspace_file(workspace).display().to_string(),
        Backend::Postgres => format!("schema {}", kith_testkit::workspace_schema(workspace)),
    };
    println!(
        "holding: server {}, token {}, workspace {workspace}, data in {data}; press Enter to measure",
        api.base, api.token
    );
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// p50 and p99 in milliseconds of searches by `clients` people typing at once: each types
/// `names` first and last names one letter at a time, up to four letters, as a palette asks.
async fn search_as_you_type(api: &Api, clients: usize, names: usize) -> (f64, f64) {
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for n in 0..names {
                let i = c * 7 + n;
                let name = if n % 2 == 0 {
                    FIRST[i % FIRST.len()]
                } else {
                    LAST[i % LAST.len()]
                };
                for typed in 1..=4.min(name.len()) {
                    let started = Instant::now();
                    api.fetch(&format!("/rest/search?q={}&limit=20", &name[..typed]))
                        .await;
                    times.push(started.elapsed());
                }
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("client task"));
    }
    percentiles(times)
}

/// `--workspaces N`: N workspaces, each given one company and left, one after another, as an
/// instance serving many small teams sees them; then what the process holds, and what reopening
/// a workspace whose file was closed adds to its first request.
async fn many_workspaces(app: &TestApp, count: usize) {
    let owner = app.signup("Owner", "many@example.com").await;
    let started = Instant::now();
    let mut workspaces = Vec::with_capacity(count);
    for i in 0..count {
        let ws = owner.create_workspace(&format!("Team {i}")).await;
        owner
            .in_workspace(&ws)
            .post("/rest/companies", json!({ "name": format!("Company {i}") }))
            .await
            .expect_status(201);
        workspaces.push(ws);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let process = ProcessFigures::now();
    // The first workspaces' files are closed by now (KITH_OPEN_WORKSPACE_FILES is far below N):
    // time a first request to each of 100 of them, then a second one.
    let (mut reopened, mut warm) = (Vec::new(), Vec::new());
    for ws in workspaces.iter().take(100) {
        let client = owner.in_workspace(ws);
        for times in [&mut reopened, &mut warm] {
            let start = Instant::now();
            client
                .get("/rest/companies?limit=1")
                .await
                .expect_status(200);
            times.push(start.elapsed());
        }
    }
    let (reopened, warm) = (percentiles(reopened), percentiles(warm));
    println!("| measurement | result | target |");
    println!("|---|---|---|");
    println!(
        "| {count} workspaces created and given a company, one after another | {elapsed:.1} s | |"
    );
    println!(
        "| resident memory after them (peak) | {:.0} MB ({:.0} MB) | < 300 MB |",
        process.resident_mb, process.peak_mb
    );
    println!(
        "| threads, open files, workspace files open | {}, {}, {} | bounded by the workspaces in use |",
        process.threads,
        process.open_files,
        app.db().open_workspace_files()
    );
    println!(
        "| first request to a closed workspace / the next one | p50 {:.2} / {:.2} ms, p99 {:.2} / {:.2} ms | reopening adds < 5 ms |",
        reopened.0, warm.0, reopened.1, warm.1
    );
    println!(
        "\n{:?} backend; the figures are the whole benchmark process (server and client)",
        app.backend
    );
}

/// What this process holds, from `/proc/self`.
struct ProcessFigures {
    resident_mb: f64,
    peak_mb: f64,
    threads: u64,
    open_files: usize,
}

impl ProcessFigures {
    fn now() -> ProcessFigures {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        ProcessFigures {
            resident_mb: field("VmRSS:") as f64 / 1024.0,
            peak_mb: field("VmHWM:") as f64 / 1024.0,
            threads: field("Threads:"),
            open_files: std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count()),
        }
    }
}
