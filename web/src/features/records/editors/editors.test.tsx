import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { BooleanSwitch, MultiSelectEditor, RatingEditor, SelectEditor } from "./ChoiceEditors";
import { AddressEditor, CurrencyEditor, FullNameEditor, ListEditor } from "./CompositeEditors";
import { NumberEditor, TextEditor } from "./SimpleEditors";
import { RelationPicker } from "./RelationPicker";
import { RichTextEditor } from "./MarkdownEditor";
import { fromLocalInput, toLocalInput } from "./shapes";

const { api } = vi.hoisted(() => ({ api: { searchIn: vi.fn(), members: vi.fn() } }));
vi.mock("../../../api/kith", () => ({ api }));

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const base = (value: unknown) => ({ id: "f", label: "Field", value, onSave: vi.fn(), onCancel: vi.fn() });
const enter = (element: Element) => fireEvent.keyDown(element, { key: "Enter" });
const type = (element: Element, text: string) => fireEvent.change(element, { target: { value: text } });

const stages = [
  { value: "NEW", label: "New", color: "red" },
  { value: "MEETING", label: "Meeting", color: "sky" },
  { value: "WON", label: "Won", color: "green" },
];

describe("TextEditor", () => {
  it("saves trimmed text on Enter, empty as null, and cancels on Escape", () => {
    const props = base("Acme");
    render(<TextEditor {...props} />);
    const input = screen.getByRole("textbox");
    type(input, "  Acme Corp ");
    enter(input);
    expect(props.onSave).toHaveBeenLastCalledWith("Acme Corp");
    type(input, "   ");
    enter(input);
    expect(props.onSave).toHaveBeenLastCalledWith(null);
    fireEvent.keyDown(input, { key: "Escape" });
    expect(props.onCancel).toHaveBeenCalledOnce();
  });
});

describe("NumberEditor", () => {
  it("refuses what is not a number, with a message, and saves a number", () => {
    const props = base(3);
    render(<NumberEditor {...props} whole />);
    const input = screen.getByRole("textbox");
    type(input, "twelve");
    enter(input);
    expect(screen.getByRole("alert").textContent).toBe("Type a number.");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    type(input, "1.5");
    enter(input);
    expect(screen.getByRole("alert").textContent).toBe("Type a whole number.");
    expect(props.onSave).not.toHaveBeenCalled();
    type(input, "1,200");
    enter(input);
    expect(props.onSave).toHaveBeenCalledWith(1200);
  });
});

describe("CurrencyEditor", () => {
  it("sends micros exactly, as a number while safe and as digits past 2^53", () => {
    const props = base({ amountMicros: 1500000, currencyCode: "EUR" });
    render(<CurrencyEditor {...props} />);
    const amount = screen.getByRole("textbox", { name: "Field amount" });
    expect((amount as HTMLInputElement).value).toBe("1.5");
    type(amount, "0.1");
    enter(amount);
    expect(props.onSave).toHaveBeenLastCalledWith({ amountMicros: 100000, currencyCode: "EUR" }); // not 100000.00000000001
    type(amount, "12 345 678 901.234567");
    fireEvent.change(screen.getByRole("combobox", { name: "Field currency" }), { target: { value: "JPY" } });
    enter(amount);
    expect(props.onSave).toHaveBeenLastCalledWith({ amountMicros: "12345678901234567", currencyCode: "JPY" });
  });

  it("refuses more than six decimals and clears with an empty amount", () => {
    const props = base(null);
    render(<CurrencyEditor {...props} />);
    const amount = screen.getByRole("textbox", { name: "Field amount" });
    type(amount, "1.1234567");
    enter(amount);
    expect(screen.getByRole("alert").textContent).toMatch(/at most 6 decimals/);
    type(amount, "");
    enter(amount);
    expect(props.onSave).toHaveBeenCalledWith({ amountMicros: null, currencyCode: "USD" });
  });

  it("reads big stored micros back without rounding", () => {
    render(<CurrencyEditor {...base({ amountMicros: "9007199254740993", currencyCode: "USD" })} />);
    expect((screen.getByRole("textbox", { name: "Field amount" }) as HTMLInputElement).value).toBe("9007199254.740993");
  });
});

describe("ListEditor", () => {
  it("keeps the primary first: make primary, add and remove", () => {
    const props = base({ primaryEmail: "a@x.co", additionalEmails: ["b@x.co", "c@x.co"] });
    render(<ListEditor {...props} type="EMAILS" />);
    fireEvent.click(screen.getByRole("button", { name: "Make primary (Email 3)" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove Email 2" })); // a@x.co, now second
    fireEvent.click(screen.getByRole("button", { name: "+ Add email" }));
    type(screen.getByRole("textbox", { name: "Email 3" }), " d@x.co ");
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(props.onSave).toHaveBeenCalledWith({ primaryEmail: "c@x.co", additionalEmails: ["b@x.co", "d@x.co"] });
  });

  it("writes phones and links in the API's primary + additional shape, dropping empty rows", () => {
    const phones = base({ primaryPhoneNumber: "0612", primaryPhoneCallingCode: "+33", primaryPhoneCountryCode: "FR", additionalPhones: [] });
    render(<ListEditor {...phones} type="PHONES" />);
    fireEvent.click(screen.getByRole("button", { name: "+ Add phone" }));
    fireEvent.click(screen.getByRole("button", { name: "+ Add phone" }));
    type(screen.getByRole("textbox", { name: "Phone 2 calling code" }), "+44");
    type(screen.getByRole("textbox", { name: "Phone 2" }), "7700");
    enter(screen.getByRole("textbox", { name: "Phone 2" }));
    expect(phones.onSave).toHaveBeenCalledWith({
      primaryPhoneNumber: "0612", primaryPhoneCallingCode: "+33", primaryPhoneCountryCode: "FR",
      additionalPhones: [{ number: "7700", callingCode: "+44", countryCode: "" }],
    });
    cleanup();
    const links = base(null);
    render(<ListEditor {...links} type="LINKS" />);
    type(screen.getByRole("textbox", { name: "Primary link" }), "https://acme.com");
    type(screen.getByRole("textbox", { name: "Primary link label" }), "Site");
    enter(screen.getByRole("textbox", { name: "Primary link" }));
    expect(links.onSave).toHaveBeenCalledWith({ primaryLinkUrl: "https://acme.com", primaryLinkLabel: "Site", secondaryLinks: [] });
  });
});

describe("SelectEditor", () => {
  it("shows the options as chips in their colours, chosen with the arrow keys and Enter", () => {
    const props = base("NEW");
    render(<SelectEditor {...props} options={stages} />);
    const chosen = screen.getByRole("radio", { name: "New" });
    expect(chosen.className).toContain("chip-red");
    expect(chosen.getAttribute("aria-checked")).toBe("true");
    expect(document.activeElement).toBe(chosen);
    fireEvent.keyDown(chosen, { key: "ArrowRight" });
    expect(document.activeElement).toBe(screen.getByRole("radio", { name: "Meeting" }));
    fireEvent.click(document.activeElement as Element); // Enter on a button clicks it
    expect(props.onSave).toHaveBeenCalledWith("MEETING");
  });

  it("clears with None, and choosing the current option changes nothing", () => {
    const props = base("NEW");
    render(<SelectEditor {...props} options={stages} />);
    fireEvent.click(screen.getByRole("radio", { name: "New" }));
    expect(props.onCancel).toHaveBeenCalled();
    fireEvent.click(screen.getByRole("radio", { name: "None" }));
    expect(props.onSave).toHaveBeenCalledWith(null);
  });
});

describe("MultiSelectEditor", () => {
  it("toggles chips and saves them in the options' order on Enter", () => {
    const props = base(["WON"]);
    render(<MultiSelectEditor {...props} options={stages} />);
    fireEvent.click(screen.getByRole("button", { name: "New" }));
    fireEvent.click(screen.getByRole("button", { name: "Won" }));
    fireEvent.click(screen.getByRole("button", { name: "Meeting" }));
    expect(screen.getByRole("button", { name: "Won" }).getAttribute("aria-pressed")).toBe("false");
    enter(screen.getByRole("button", { name: "New" }));
    expect(props.onSave).toHaveBeenCalledWith(["NEW", "MEETING"]);
  });
});

describe("BooleanSwitch and RatingEditor", () => {
  it("flip and save at once", () => {
    const flip = base(false);
    render(<BooleanSwitch {...flip} />);
    const toggle = screen.getByRole("switch", { name: "Field" });
    expect(toggle.getAttribute("aria-checked")).toBe("false");
    fireEvent.click(toggle);
    expect(flip.onSave).toHaveBeenCalledWith(true);
    const stars = base("RATING_2");
    render(<RatingEditor {...stars} />);
    fireEvent.click(screen.getByRole("radio", { name: "4 stars" }));
    expect(stars.onSave).toHaveBeenLastCalledWith("RATING_4");
    fireEvent.click(screen.getByRole("radio", { name: "2 stars" }));
    expect(stars.onSave).toHaveBeenLastCalledWith(null); // the current rating again clears it
  });
});

describe("FullNameEditor and AddressEditor", () => {
  it("send every part", () => {
    const name = base({ firstName: "Ada", lastName: "" });
    render(<FullNameEditor {...name} />);
    type(screen.getByRole("textbox", { name: "Last name" }), " Lovelace ");
    enter(screen.getByRole("textbox", { name: "Last name" }));
    expect(name.onSave).toHaveBeenCalledWith({ firstName: "Ada", lastName: "Lovelace" });
    cleanup();
    const address = base({ addressCity: "Paris", addressLat: 48.8 });
    render(<AddressEditor {...address} />);
    type(screen.getByRole("textbox", { name: "Postcode" }), "75001");
    enter(screen.getByRole("textbox", { name: "Postcode" }));
    expect(address.onSave).toHaveBeenCalledWith({
      addressStreet1: "", addressStreet2: "", addressCity: "Paris", addressState: "", addressPostcode: "75001", addressCountry: "",
    });
  });
});

describe("RichTextEditor", () => {
  it("keeps Enter for new lines, saves with Ctrl+Enter, previews safely", () => {
    const props = base("# Hi");
    render(<RichTextEditor {...props} />);
    const area = screen.getByRole("textbox", { name: "Field" });
    enter(area);
    expect(props.onSave).not.toHaveBeenCalled();
    type(area, "**big** <script>x</script>");
    fireEvent.click(screen.getByRole("button", { name: "Preview" }));
    const preview = screen.getByRole("region", { name: "Preview" });
    expect(preview.querySelector("strong")?.textContent).toBe("big");
    expect(preview.querySelector("script")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Write" }));
    fireEvent.keyDown(screen.getByRole("textbox", { name: "Field" }), { key: "Enter", ctrlKey: true });
    expect(props.onSave).toHaveBeenCalledWith("**big** <script>x</script>");
  });
});

function withQueries(children: ReactNode) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return <QueryClientProvider client={queries}>{children}</QueryClientProvider>;
}

describe("RelationPicker", () => {
  it("searches the target object only and chooses with the arrow keys and Enter", async () => {
    api.searchIn.mockResolvedValue([
      { objectNameSingular: "company", recordId: "c1", label: "Acme" },
      { objectNameSingular: "company", recordId: "c2", label: "Acme Labs" },
    ]);
    const onSave = vi.fn();
    render(
      withQueries(
        <RelationPicker id="r" label="Company" workspace="ws" target="company" targetPlural="companies" current={{ id: "c0", label: "Old" }} onSave={onSave} onCancel={() => {}} />,
      ),
    );
    const box = screen.getByRole("combobox", { name: "Search Company" });
    type(box, "acm");
    expect(await screen.findByRole("option", { name: "Acme Labs" })).toBeTruthy();
    expect(api.searchIn).toHaveBeenCalledWith("ws", "acm", ["companies"], expect.anything());
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(screen.getByRole("option", { name: "Acme Labs" }).getAttribute("aria-selected")).toBe("true");
    expect(box.getAttribute("aria-activedescendant")).toBe("r-choices-c2");
    enter(box);
    expect(onSave).toHaveBeenCalledWith({ id: "c2", label: "Acme Labs" });
    fireEvent.click(screen.getByRole("button", { name: "Clear Company" }));
    expect(onSave).toHaveBeenLastCalledWith(null);
  });

  it("picks members from the workspace's list for a workspaceMember relation", async () => {
    api.members.mockResolvedValue([
      { userId: "u1", name: "Ada", email: "ada@x.co", role: "owner" },
      { userId: "u2", name: "Grace", email: "grace@x.co", role: "member" },
    ]);
    const onSave = vi.fn();
    render(withQueries(<RelationPicker id="m" label="Assignee" workspace="ws" target="workspaceMember" current={null} onSave={onSave} onCancel={() => {}} />));
    const box = screen.getByRole("combobox", { name: "Search Assignee" });
    await screen.findByRole("option", { name: "Grace" });
    type(box, "gra");
    await waitFor(() => expect(screen.queryByRole("option", { name: "Ada" })).toBeNull());
    enter(box);
    expect(onSave).toHaveBeenCalledWith({ id: "u2", label: "Grace" });
    expect(api.searchIn).not.toHaveBeenCalled();
  });
});

describe("date-time conversion", () => {
  it("goes from UTC to the reader's zone and back to the same instant", () => {
    const iso = "2026-03-29T01:30:00.000Z";
    const local = toLocalInput(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(fromLocalInput(local)).toBe(iso);
    expect(fromLocalInput("")).toBeNull();
  });
});

// Keeps act() warnings from timers in the settled search out of the output.
afterEach(() => act(() => {}));
