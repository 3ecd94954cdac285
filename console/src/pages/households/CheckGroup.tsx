// A set of checkboxes under one legend (needs, vulnerabilities), with the graph's error for it.
import { useId } from "react";

interface CheckGroupProps {
  legend: string;
  options: readonly string[];
  labelOf: (value: string) => string;
  value: string[];
  onChange: (value: string[]) => void;
  error?: string;
}

export function CheckGroup({ legend, options, labelOf, value, onChange, error }: CheckGroupProps) {
  const id = useId();
  const toggle = (option: string, on: boolean) => onChange(on ? [...value, option] : value.filter((v) => v !== option));
  return (
    <fieldset aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      <div className="checks">
        {options.map((option) => (
          <label key={option}>
            <input type="checkbox" checked={value.includes(option)} onChange={(e) => toggle(option, e.target.checked)} />
            {labelOf(option)}
          </label>
        ))}
      </div>
      {error && (
        <p className="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

interface CheckFieldProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string;
}

/** One checkbox with its label beside it and its error tied to it. */
export function CheckField({ label, checked, onChange, error }: CheckFieldProps) {
  const id = useId();
  return (
    <div className={error ? "field field-error ws-check" : "field ws-check"}>
      <label>
        <input
          type="checkbox"
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        {label}
      </label>
      {error && (
        <p className="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
