// Fields of every filterable type, for the filter tests.

import type { FieldMeta } from "../../../api/kith";

export const fields = [
  { id: "1", name: "name", label: "Name", type: "FULL_NAME" },
  { id: "2", name: "title", label: "Title", type: "TEXT" },
  { id: "3", name: "emails", label: "Emails", type: "EMAILS" },
  { id: "4", name: "employees", label: "Employees", type: "NUMBER" },
  { id: "5", name: "probability", label: "Probability", type: "NUMERIC" },
  { id: "6", name: "amount", label: "Amount", type: "CURRENCY" },
  { id: "7", name: "closeDate", label: "Close date", type: "DATE" },
  { id: "8", name: "dueAt", label: "Due", type: "DATE_TIME" },
  {
    id: "9", name: "stage", label: "Stage", type: "SELECT",
    options: [
      { value: "NEW", label: "New", color: "red" },
      { value: "PROPOSAL", label: "Proposal", color: "turquoise" },
      { value: "WON", label: "Won", color: "green" },
    ],
  },
  {
    id: "10", name: "tags", label: "Tags", type: "MULTI_SELECT",
    options: [
      { value: "VIP", label: "VIP", color: "purple" },
      { value: "PARTNER", label: "Partner", color: "blue" },
    ],
  },
  { id: "11", name: "icp", label: "ICP", type: "BOOLEAN" },
  { id: "12", name: "score", label: "Score", type: "RATING" },
  { id: "13", name: "company", label: "Company", type: "RELATION" },
  { id: "14", name: "address", label: "Address", type: "ADDRESS" },
  { id: "15", name: "secret", label: "Secret", type: "SENSITIVE_TEXT" },
  { id: "16", name: "old", label: "Old", type: "TEXT", isActive: false },
] as FieldMeta[];
