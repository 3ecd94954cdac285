// Form parts: every input has a label, its help and its error tied to it for screen readers,
// and a mutation's error sits next to the field it names or else next to the action.
import { useId, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { OperationResult } from "urql";
import { fieldOf, graphErrors, type GraphError } from "../graph";

interface FieldProps {
  label: string;
  error?: string;
  help?: string;
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => ReactNode;
}

export function Field({ label, error, help, children }: FieldProps) {
  const id = useId();
  const described = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field field-error" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-describedby": described, "aria-invalid": error ? true : undefined })}
      {help && (
        <p className="help" id={`${id}-help`}>
          {help}
        </p>
      )}
      {error && (
        <p className="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** An error not tied to one field: shown next to the action's button. */
export function ActionError({ errors }: { errors: GraphError[] }) {
  const { t } = useTranslation();
  if (!errors.length) return null;
  return (
    <div className="error action-error" role="alert">
      {errors.map((e, i) => (
        <p key={i}>{e.code === "NETWORK" ? t("networkError") : e.message}</p>
      ))}
    </div>
  );
}

export interface ActionState {
  busy: boolean;
  /** Errors naming one of the form's fields, by field. */
  fieldErrors: Record<string, string>;
  /** The rest: shown by the action. */
  formErrors: GraphError[];
}

/**
 * Runs a mutation and sorts its errors: those naming one of `fields` go to that field, the
 * rest to the action. Resolves with the result's data when it succeeded, else undefined.
 */
export function useAction<D>(fields: readonly string[] = []) {
  const [state, setState] = useState<ActionState>({ busy: false, fieldErrors: {}, formErrors: [] });
  async function run(send: () => Promise<OperationResult<D>>): Promise<D | undefined> {
    setState({ busy: true, fieldErrors: {}, formErrors: [] });
    const result = await send();
    const errors = graphErrors(result.error);
    const fieldErrors: Record<string, string> = {};
    const formErrors: GraphError[] = [];
    for (const e of errors) {
      const field = fieldOf(e, fields);
      if (field && !fieldErrors[field]) fieldErrors[field] = e.message;
      else formErrors.push(e);
    }
    setState({ busy: false, fieldErrors, formErrors });
    return errors.length ? undefined : (result.data ?? undefined);
  }
  const reset = () => setState({ busy: false, fieldErrors: {}, formErrors: [] });
  return { ...state, run, reset };
}
