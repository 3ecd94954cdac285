// Inputs the hotline's forms share: a select over one of the graph's enumerations (each value
// shown by its translated label), free text, and the way a date or a change's author is read.
import { useTranslation } from "react-i18next";
import { Field } from "../../ui/forms";

interface EnumSelectProps<V extends string> {
  label: string;
  value: V | "";
  values: readonly V[];
  labelOf: (value: V) => string;
  onChange: (value: V | "") => void;
  /** The label of an empty choice ("any"), when there is one. */
  empty?: string;
  error?: string;
  help?: string;
}

export function EnumSelect<V extends string>({ label, value, values, labelOf, onChange, empty, error, help }: EnumSelectProps<V>) {
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

interface TextProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  help?: string;
  /** Several lines (notes, descriptions). */
  multiline?: boolean;
  required?: boolean;
  type?: "text" | "tel" | "search";
}

/**
 * Free text. A required one is announced as required but not checked by the browser: the
 * graph checks it and its message, in the console's words, shows next to the field.
 */
export function TextField({ label, value, onChange, error, help, multiline, required, type = "text" }: TextProps) {
  return (
    <Field label={label} error={error} help={help}>
      {(props) =>
        multiline ? (
          <textarea {...props} rows={3} value={value} aria-required={required} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            {...props}
            type={type}
            value={value}
            aria-required={required}
            autoComplete="off"
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** A time as people read it in the console's language. */
export function useDateTime(): (iso: string) => string {
  const { i18n } = useTranslation();
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  return (iso) => format.format(new Date(iso));
}

/** Who made a change: the graph gives `ROLE:id` to the region's staff and the role alone to others. */
export function useActor(): (actor: string) => string {
  const { t } = useTranslation();
  return (actor) => {
    const [role, ...id] = actor.split(":");
    const known = ["NATIONAL_COORDINATOR", "REGIONAL_STAFF", "VOLUNTEER"].includes(role);
    return known ? [t(`role.${role}`), id.join(":")].filter(Boolean).join(" · ") : actor;
  };
}
