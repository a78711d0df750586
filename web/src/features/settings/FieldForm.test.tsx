import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ObjectMeta } from "../../api/kith";
import { FieldForm } from "./FieldForm";

const { api } = vi.hoisted(() => ({ api: { createField: vi.fn() } }));
vi.mock("../../api/kith", () => ({ api }));

const object = (id: string, singular: string, plural: string): ObjectMeta => ({
  id, nameSingular: singular, namePlural: plural, labelSingular: singular, labelPlural: plural,
  icon: "", isCustom: false, isActive: true, labelField: "name", fields: [],
});
const companies = { ...object("o1", "company", "companies"), labelSingular: "Company", labelPlural: "Companies" };
const people = { ...object("o2", "person", "people"), labelSingular: "Person", labelPlural: "People" };

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show() {
  const created = vi.fn(async () => undefined);
  api.createField.mockImplementation(async (_w: string, body: { label: string }) => ({ id: "f", ...body }));
  render(<FieldForm workspace="w" object={companies} objects={[companies, people]} cancel={() => {}} created={created} />);
  return created;
}

const sentBody = () => (api.createField.mock.calls[0] as [string, Record<string, unknown>])[1];

describe("The custom-field form", () => {
  it("sends a text field named after its label", async () => {
    const created = show();
    fireEvent.change(screen.getByLabelText("Field label"), { target: { value: "Referral code" } });
    expect((screen.getByLabelText("API name") as HTMLInputElement).value).toBe("referralCode");
    fireEvent.click(screen.getByRole("button", { name: "Create field" }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(api.createField).toHaveBeenCalledWith("w", { objectMetadataId: "o1", name: "referralCode", label: "Referral code", type: "TEXT" });
  });

  it("turns the options editor's rows into options with SCREAMING_SNAKE values and chosen colours", async () => {
    show();
    fireEvent.change(screen.getByLabelText("Field label"), { target: { value: "Tier" } });
    fireEvent.change(screen.getByLabelText("Field type"), { target: { value: "MULTI_SELECT" } });
    fireEvent.change(screen.getByLabelText("Option 1 label"), { target: { value: "Gold tier" } });
    fireEvent.click(screen.getByRole("button", { name: "+ Add option" }));
    fireEvent.change(screen.getByLabelText("Option 2 label"), { target: { value: "Très spécial!" } });
    fireEvent.change(screen.getByLabelText("Option 2 colour"), { target: { value: "purple" } });
    fireEvent.click(screen.getByRole("button", { name: "+ Add option" }));
    fireEvent.change(screen.getByLabelText("Option 3 label"), { target: { value: "gold  Tier" } });
    fireEvent.click(screen.getByRole("button", { name: "+ Add option" })); // left empty: not sent
    expect(screen.getByLabelText("Option 2 value").textContent).toBe("TRES_SPECIAL");
    fireEvent.click(screen.getByRole("button", { name: "Create field" }));
    await waitFor(() => expect(api.createField).toHaveBeenCalled());
    expect(sentBody()).toEqual({
      objectMetadataId: "o1",
      name: "tier",
      label: "Tier",
      type: "MULTI_SELECT",
      options: [
        { label: "Gold tier", value: "GOLD_TIER", color: "red" },
        { label: "Très spécial!", value: "TRES_SPECIAL", color: "purple" },
        { label: "gold  Tier", value: "GOLD_TIER_2", color: "yellow" },
      ],
    });
  });

  it("removes an option row", async () => {
    show();
    fireEvent.change(screen.getByLabelText("Field label"), { target: { value: "Stage" } });
    fireEvent.change(screen.getByLabelText("Field type"), { target: { value: "SELECT" } });
    fireEvent.change(screen.getByLabelText("Option 1 label"), { target: { value: "Lead" } });
    fireEvent.click(screen.getByRole("button", { name: "+ Add option" }));
    fireEvent.change(screen.getByLabelText("Option 2 label"), { target: { value: "Won" } });
    fireEvent.click(screen.getByRole("button", { name: "Remove option 1" }));
    fireEvent.click(screen.getByRole("button", { name: "Create field" }));
    await waitFor(() => expect(api.createField).toHaveBeenCalled());
    expect(sentBody().options).toEqual([{ label: "Won", value: "WON", color: "orange" }]);
  });

  it("refuses a select with no option before asking the server", async () => {
    show();
    fireEvent.change(screen.getByLabelText("Field label"), { target: { value: "Stage" } });
    fireEvent.change(screen.getByLabelText("Field type"), { target: { value: "SELECT" } });
    fireEvent.click(screen.getByRole("button", { name: "Create field" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Give the field at least one option.");
    expect(api.createField).not.toHaveBeenCalled();
  });

  it("sends a relation's target", async () => {
    show();
    fireEvent.change(screen.getByLabelText("Field label"), { target: { value: "Main contact" } });
    fireEvent.change(screen.getByLabelText("Field type"), { target: { value: "RELATION" } });
    fireEvent.change(screen.getByLabelText("Relation to"), { target: { value: "person" } });
    fireEvent.click(screen.getByRole("button", { name: "Create field" }));
    await waitFor(() => expect(api.createField).toHaveBeenCalled());
    expect(sentBody()).toMatchObject({ name: "mainContact", type: "RELATION", relation: { target: "person", onDelete: "SET_NULL" } });
    expect(sentBody()).not.toHaveProperty("options");
  });
});
