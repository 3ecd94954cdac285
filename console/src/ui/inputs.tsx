// The inputs the working pages' forms are made of, each a labelled Field: a choice among the
// graph's enumerations (each shown by its translated label), free text, and a choice among what
// a search in the graph found.
import { useState, type InputHTMLAttributes } from "react";
import { Field } from "./forms";

interface SelectProps<V extends string> {
  label: string;
  value: V | "";
  values: readonly V[];
  labelOf: (value: V) => string;
  onChange: (value: V | "") => void;
  /** The label of an empty choice ("any", "choose…"), when there is one. */
  empty?: string;
  error?: string;
  help?: string;
}

export function Select<V extends string>({ label, value, values, labelOf, onChange, empty, error, help }: SelectProps<V>) {
  return (
    <Field label={label} error={error} help={help}>
      {(props) => (
        <select {...props} value={value} onChange={(e) => onChange(e.target.value as V | "")}>
          {empty !== undefined && <option value="">{empty}</option>}
          {values.map((v) => (
            <option key={v} value={v}>
              {labelOf(v)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "id" | "required">;

interface TextProps extends InputProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  help?: string;
  /** Several lines (notes, descriptions). */
  multiline?: boolean;
  required?: boolean;
}

/**
 * Text typed in (numbers and dates too, as the input's `type` says). A required one is announced
 * as required but not checked by the browser: the graph checks it and its message shows next to
 * the field.
 */
export function TextField({ label, value, onChange, error, help, multiline, required, ...input }: TextProps) {
  return (
    <Field label={label} error={error} help={help}>
      {(props) =>
        multiline ? (
          <textarea {...props} rows={3} value={value} aria-required={required} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            autoComplete="off"
            {...input}
            {...props}
            value={value}
            aria-required={required}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

interface FoundProps<C extends { id: string }> {
  label: string;
  value: string;
  onChange: (id: string) => void;
  /** What choosing none means. */
  none: string;
  /** What the graph found for the search typed. */
  found: C[];
  describe: (choice: C) => string;
  error?: string;
}

/** A choice among what a search found: the one chosen stays listed while another is searched for. */
export function FoundSelect<C extends { id: string }>({ label, value, onChange, none, found, describe, error }: FoundProps<C>) {
  const [chosen, setChosen] = useState<C | null>(null);
  const kept = chosen && chosen.id === value && !found.some((c) => c.id === value) ? [chosen] : [];
  const choices = [...kept, ...found];
  const choose = (id: string) => {
    setChosen(choices.find((c) => c.id === id) ?? null);
    onChange(id);
  };
  return (
    <Select
      label={label}
      value={value}
      values={choices.map((c) => c.id)}
      labelOf={(id) => describe(choices.find((c) => c.id === id)!)}
      onChange={choose}
      empty={none}
      error={error}
    />
  );
}
