import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import type { ObjectMeta } from "../../api/kith";
import type { ImportRecord } from "../../api/imports";
import { ImportPage } from "./ImportPage";
import { fieldName } from "./Mapping";
import { ToastProvider } from "../../ui/Toast";

const { api, importsApi } = vi.hoisted(() => ({
  api: { objects: vi.fn(), createField: vi.fn() },
  importsApi: { upload: vi.fn(), run: vi.fn(), get: vi.fn(), list: vi.fn(), rows: vi.fn(), cancel: vi.fn(), undo: vi.fn(), rejected: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));
vi.mock("../../api/imports", async (original) => ({ ...(await original<object>()), importsApi }));

const people: ObjectMeta = {
  id: "p", nameSingular: "person", namePlural: "people", labelSingular: "Person", labelPlural: "People",
  icon: "user", isCustom: false, isActive: true, labelField: "name",
  fields: [
    { id: "1", name: "name", label: "Name", type: "FULL_NAME" },
    { id: "2", name: "emails", label: "Emails", type: "EMAILS", isUnique: true },
    { id: "3", name: "company", label: "Company", type: "RELATION", relation: { target: "company" } },
  ],
};
const companies: ObjectMeta = {
  id: "c", nameSingular: "company", namePlural: "companies", labelSingular: "Company", labelPlural: "Companies",
  icon: "building", isCustom: false, isActive: true, labelField: "name",
  fields: [
    { id: "4", name: "name", label: "Name", type: "TEXT" },
    { id: "5", name: "domainName", label: "Domain", type: "LINKS" },
  ],
};

function record(status: ImportRecord["status"], extra: Partial<ImportRecord> = {}): ImportRecord {
  return {
    id: "i1", object: "people", fileName: "contacts.csv", status, dryRun: false, spec: null,
    columns: ["E-mail", "Company", "Colour"],
    counts: { rows: 3, created: 1, updated: 1, skipped: 0, failed: 1, bytesRead: 60 },
    bytesTotal: 60, progress: 1, error: null, startedBy: "Ada", createdAt: "2026-12-02T09:00:00Z",
    startedAt: null, finishedAt: null, ...extra,
  };
}

beforeEach(() => {
  api.objects.mockResolvedValue([people, companies]);
  importsApi.list.mockResolvedValue([]);
  importsApi.rows.mockResolvedValue([]);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show(search = "") {
  const location = memoryLocation({ path: `/w/ws/people/import${search}`, record: true });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <ToastProvider>
        <Router hook={location.hook} searchHook={location.searchHook}>
          <ImportPage workspace="ws" plural="people" />
        </Router>
      </ToastProvider>
    </QueryClientProvider>,
  );
  return location;
}

describe("ImportPage", () => {
  it("uploads the chosen file, then maps its columns as suggested and previews", async () => {
    importsApi.upload.mockResolvedValue({
      data: record("UPLOADED"),
      delimiter: ",",
      columns: [
        { column: "E-mail", samples: ["ada@example.com"], field: "emails", by: null },
        { column: "Company", samples: ["acme.com"], field: "company", by: "domainName" },
        { column: "Colour", samples: ["red"], field: null, by: null },
      ],
    });
    importsApi.get.mockResolvedValue(record("UPLOADED"));
    const location = show();
    const input = await screen.findByLabelText("CSV or Excel file");
    const file = new File(["E-mail,Company,Colour\n"], "contacts.csv", { type: "text/csv" });
    fireEvent.change(input, { target: { files: [file] } });
    await waitFor(() => expect(location.history.at(-1)).toBe("/w/ws/people/import?import=i1"));
    expect(importsApi.upload).toHaveBeenCalledWith("ws", "people", file);
    const email = (await screen.findByLabelText("Field for E-mail")) as HTMLSelectElement;
    expect(email.value).toBe("emails.primaryEmail");
    expect((screen.getByLabelText("Company: Company found by") as HTMLSelectElement).value).toBe("domainName");
    expect((screen.getByLabelText("Field for Colour") as HTMLSelectElement).value).toBe("");
    expect(screen.getByRole("button", { name: "Create a field “Colour”" })).toBeTruthy();
    importsApi.run.mockResolvedValue(record("PREVIEWING", { dryRun: true }));
    fireEvent.click(screen.getByRole("button", { name: "Preview" }));
    await waitFor(() => expect(importsApi.run).toHaveBeenCalled());
    expect(importsApi.run.mock.calls[0]?.[3]).toEqual({
      mode: "UPSERT",
      matchOn: null,
      columns: [
        { column: "E-mail", field: "emails.primaryEmail" },
        { column: "Company", field: "company", by: "domainName" },
        { column: "Colour", field: null },
      ],
      stopOnError: false,
      dryRun: true,
      formats: { dateOrder: null, decimalComma: false },
    });
  });

  it("shows a preview's outcome and runs the import it previewed", async () => {
    const spec = { mode: "UPSERT" as const, columns: [{ column: "E-mail", field: "emails" }], stopOnError: false, dryRun: true, formats: { dateOrder: null, decimalComma: false } };
    importsApi.get.mockResolvedValue(record("PREVIEWED", { dryRun: true, spec }));
    importsApi.rows.mockResolvedValue([
      { row: 2, action: "CREATE", reason: null, recordId: null, values: ["ada@example.com"] },
      { row: 3, action: "ERROR", reason: "column \"E-mail\": is not an email address", recordId: null, values: ["nope"] },
    ]);
    show("?import=i1");
    expect(await screen.findByText("Would create 1 · would update 1 · skipped 0 · refused 1")).toBeTruthy();
    expect(await screen.findByText("column \"E-mail\": is not an email address")).toBeTruthy();
    fireEvent.click(screen.getByLabelText("Errors and skipped rows only"));
    await waitFor(() => expect(importsApi.rows).toHaveBeenLastCalledWith("ws", "people", "i1", true));
    importsApi.run.mockResolvedValue(record("RUNNING", { progress: 0.5 }));
    importsApi.get.mockResolvedValue(record("RUNNING", { progress: 0.5 }));
    fireEvent.click(screen.getByRole("button", { name: "Import 2 rows" }));
    await waitFor(() => expect(importsApi.run.mock.calls[0]?.[3]).toEqual({ ...spec, dryRun: false }));
    const progress = (await screen.findByLabelText("Import progress")) as HTMLProgressElement;
    expect(progress.value).toBe(0.5);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(importsApi.cancel).toHaveBeenCalledWith("ws", "people", "i1"));
  });

  it("offers the rejected rows and undo once done", async () => {
    importsApi.get.mockResolvedValue(record("DONE", { spec: { mode: "UPSERT", columns: [], stopOnError: false, dryRun: false, formats: { dateOrder: null, decimalComma: false } } }));
    show("?import=i1");
    fireEvent.click(await screen.findByRole("button", { name: "Undo import" }));
    await waitFor(() => expect(importsApi.undo).toHaveBeenCalledWith("ws", "people", "i1"));
    expect(screen.getByRole("button", { name: "Download rejected rows" })).toBeTruthy();
  });

  it("names a field after a column's header", () => {
    expect(fieldName("Favourite colour")).toBe("favouriteColour");
    expect(fieldName("2nd phone")).toBe("field2ndPhone");
  });
});
