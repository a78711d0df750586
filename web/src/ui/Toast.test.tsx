import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { TOAST_MS, ToastProvider, useToast } from "./Toast";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function Deleter({ undo }: { undo: () => void }) {
  const toast = useToast();
  return (
    <button type="button" onClick={() => toast({ message: "Note deleted", undo })}>
      Delete
    </button>
  );
}

describe("Toast", () => {
  it("announces the message with an Undo that runs once and closes it", () => {
    const undo = vi.fn();
    render(<ToastProvider><Deleter undo={undo} /></ToastProvider>);
    fireEvent.click(screen.getByText("Delete"));
    expect(screen.getByRole("status").textContent).toContain("Note deleted");
    fireEvent.click(screen.getByRole("button", { name: "Undo" }));
    expect(undo).toHaveBeenCalledOnce();
    expect(screen.queryByText("Note deleted")).toBeNull();
  });

  it("goes away after six seconds, unless it holds focus", () => {
    vi.useFakeTimers();
    render(<ToastProvider><Deleter undo={() => {}} /></ToastProvider>);
    fireEvent.click(screen.getByText("Delete"));
    fireEvent.click(screen.getByText("Delete"));
    fireEvent.focus(screen.getAllByRole("button", { name: "Undo" })[1] as HTMLElement);
    act(() => vi.advanceTimersByTime(TOAST_MS + 10));
    expect(screen.getAllByText("Note deleted")).toHaveLength(1); // the focused one stays
  });
});
