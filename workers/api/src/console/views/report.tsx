import type { Child } from "hono/jsx";

/**
 * The pieces the console's report pages share (finance, analytics): a GET filter form, a CSV
 * download link, and a table head whose number columns are right-aligned. One markup for all
 * of them, so the pages look and behave the same (and a style fix lands everywhere).
 */

export interface FilterField {
  name: string;
  label: string;
  /** `text` unless said (`date` for days). */
  type?: string;
  /** A select of these values (and "All", the empty value) instead of an input. */
  options?: readonly string[] | undefined;
}

/** A `.filters` GET form: one labelled input per field, then a Show button. */
export function FilterBar({
  action,
  idPrefix,
  fields,
  values,
}: {
  action: string;
  /** Input ids are `${idPrefix}-${name}` (unique on the page, stable for tests). */
  idPrefix: string;
  fields: readonly FilterField[];
  values: Readonly<Record<string, string | undefined>>;
}) {
  return (
    <form class="filters" method="get" action={action}>
      {fields.map((f) => (
        <div class="field">
          <label for={`${idPrefix}-${f.name}`}>{f.label}</label>
          {f.options ? (
            <select id={`${idPrefix}-${f.name}`} name={f.name}>
              <option value="">All</option>
              {f.options.map((o) => (
                <option value={o} selected={values[f.name] === o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={`${idPrefix}-${f.name}`}
              name={f.name}
              type={f.type ?? "text"}
              value={values[f.name] ?? ""}
            />
          )}
        </div>
      ))}
      <div class="field">
        <button type="submit">Show</button>
      </div>
    </form>
  );
}

/** The "Download CSV" button of a report table. */
export function CsvDownload({ href }: { href: string }) {
  return (
    <p>
      {/* Not boosted: htmx would swap the CSV into the page instead of downloading it. */}
      <a class="button secondary" href={href} download hx-boost="false">
        Download CSV
      </a>
    </p>
  );
}

export interface Column {
  label: string;
  /** A number column: right-aligned (`.num`). */
  num?: boolean;
}

/** A report table: optional hidden caption, a head from `columns`, `children` as the rows. */
export function ReportTable({
  name,
  caption,
  columns,
  children,
}: {
  /** `data-table`, for tests and the page's own links. */
  name?: string;
  caption?: string;
  columns: readonly Column[];
  children?: Child;
}) {
  return (
    <table data-table={name}>
      {caption ? <caption class="visually-hidden">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c) =>
            c.num ? (
              <th scope="col" class="num">
                {c.label}
              </th>
            ) : (
              <th scope="col">{c.label}</th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
