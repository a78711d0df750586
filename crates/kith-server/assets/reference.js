// Renders /rest/open-api/core as a list of operations. No dependencies, nothing from other hosts.
"use strict";

const form = document.getElementById("source");
const workspace = document.getElementById("workspace");
const token = document.getElementById("token");
const statusLine = document.getElementById("status");
const reference = document.getElementById("reference");

workspace.value = new URLSearchParams(location.search).get("workspace") || "";

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function render(documentJson) {
  reference.replaceChildren();
  const groups = new Map();
  for (const [path, item] of Object.entries(documentJson.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method === "parameters") continue;
      const tag = (operation.tags || ["Other"])[0];
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push({ path, method, operation, shared: item.parameters || [] });
    }
  }
  for (const [tag, operations] of groups) {
    reference.append(element("h2", tag));
    for (const { path, method, operation, shared } of operations) {
      const details = element("details");
      const summary = element("summary");
      summary.append(element("span", method.toUpperCase(), "method"), element("code", path), " ", element("span", operation.summary || "", "muted"));
      details.append(summary);
      const parameters = [...shared, ...(operation.parameters || [])];
      if (parameters.length) {
        const table = element("table");
        for (const p of parameters) {
          const row = element("tr");
          row.append(element("td", p.name), element("td", p.in, "muted"), element("td", p.description || ""));
          table.append(row);
        }
        details.append(table);
      }
      if (operation.requestBody) {
        details.append(element("pre", JSON.stringify(operation.requestBody.content["application/json"].schema, null, 2)));
      }
      reference.append(details);
    }
  }
  reference.append(element("h2", "Schemas"));
  for (const [name, schema] of Object.entries(documentJson.components.schemas)) {
    const details = element("details");
    details.append(element("summary", name), element("pre", JSON.stringify(schema, null, 2)));
    reference.append(details);
  }
}

async function load(event) {
  if (event) event.preventDefault();
  const headers = {};
  if (token.value) headers.Authorization = `Bearer ${token.value}`;
  else if (workspace.value) headers["X-Kith-Workspace"] = workspace.value;
  else { statusLine.textContent = "Give a workspace id or an API token."; return; }
  statusLine.textContent = "Loading…";
  const response = await fetch("/rest/open-api/core", { headers, credentials: "same-origin" });
  const body = await response.json();
  if (!response.ok) { statusLine.textContent = body.error ? body.error.message : `Error ${response.status}`; return; }
  statusLine.textContent = `${Object.keys(body.paths).length} paths, version ${body.info.version}. The JSON is at /rest/open-api/core.`;
  render(body);
}

form.addEventListener("submit", load);
if (workspace.value) load();
