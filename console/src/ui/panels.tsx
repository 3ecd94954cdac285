// How the working pages lay out a form and a table: a form in its own panel (a region named by
// its heading), its submit button with the action's errors by it and what the graph stored
// announced, and a table's column headings (numbers aligned right).
import { useId, type FormEvent, type ReactNode } from "react";
import type { GraphError } from "../graph";
import { ActionError } from "./forms";

/** A form's submit handler: the page stays, `send` runs, and `onDone` once it resolved with data (the graph stored it). */
export const submitted =
  (send: () => Promise<unknown>, onDone?: () => void) =>
  (e: FormEvent): void => {
    e.preventDefault();
    void send().then((data) => data && onDone?.());
  };

interface SubmitProps {
  label: string;
  busy: boolean;
  errors: GraphError[];
  /** What the graph stored, once it did; kept in the page (only emptied) so screen readers announce it. */
  done?: ReactNode;
}

export function SubmitBar({ label, busy, errors, done }: SubmitProps) {
  return (
    <>
      <div className="toolbar">
        <button type="submit" className="primary" disabled={busy}>
          {label}
        </button>
      </div>
      <ActionError errors={errors} />
      {done !== undefined && <div role="status">{done ? <div className="banner banner-ok">{done}</div> : null}</div>}
    </>
  );
}

interface FormPanelProps {
  title: string;
  onSubmit: () => Promise<unknown>;
  children: ReactNode;
}

/** A form in a panel of its own, named by its heading. The graph checks what is typed, not the browser. */
export function FormPanel({ title, onSubmit, children }: FormPanelProps) {
  const heading = useId();
  return (
    <section className="panel" aria-labelledby={heading}>
      <h2 id={heading}>{title}</h2>
      <form onSubmit={submitted(onSubmit)} noValidate>
        {children}
      </form>
    </section>
  );
}

/** A column heading: text, or a number column's (aligned right). */
export type Column = string | { num: string };

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) =>
          typeof c === "string" ? (
            <th key={i} scope="col">
              {c}
            </th>
          ) : (
            <th key={i} scope="col" className="num">
              {c.num}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
