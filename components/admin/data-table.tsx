import type { ReactNode } from "react";

/** A column's heading; numbers are set flush right, under their heading. */
export interface Column {
  label: string;
  numeric?: boolean;
}

/**
 * How a merchant's table sits: `panel` is a page's own list (its frame, a shaded heading), `inset`
 * a table inside a panel that already frames it.
 */
const LOOKS = {
  panel: { frame: "overflow-x-auto rounded-xl border border-paper-line bg-paper", head: "border-b border-paper-line bg-paper-subtle text-ink-muted", cell: "px-4 py-2" },
  inset: { frame: "overflow-x-auto", head: "border-b border-paper-line text-ink-muted", cell: "py-2 pr-4 last:pr-0" },
} as const;

export type TableLook = keyof typeof LOOKS;

/**
 * The merchant area's tables: the frame, a caption for screen readers, the heading row, and the
 * rows the page draws (`children`, one `<tr>` each); `empty` is said across the table when there
 * are no rows.
 */
export function DataTable<Row>({
  look = "panel",
  caption,
  columns,
  rows,
  empty,
  testId,
  children,
}: {
  look?: TableLook;
  caption?: string;
  columns: readonly Column[];
  rows: readonly Row[];
  empty?: string;
  testId?: string;
  children: (row: Row) => ReactNode;
}) {
  const { frame, head, cell } = LOOKS[look];
  return (
    <div className={frame}>
      <table className="w-full text-left text-sm" data-testid={testId}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead className={head}>
          <tr>
            {columns.map((column) => (
              <th key={column.label} scope="col" className={column.numeric ? `${cell} text-right` : cell}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(children)}
          {rows.length === 0 && empty && (
            <tr>
              <td colSpan={columns.length} className="px-4 py-8 text-center text-ink-muted">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
