/**
 * One CSV cell: always quoted, and a value a spreadsheet would run as a formula (=, +, -, @ first)
 * is neutralised with a leading apostrophe. Used by every CSV export of the merchant area.
 */
export function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replaceAll('"', '""')}"`;
}

/** Rows of cells as a CSV document (CRLF line ends, as RFC 4180 says). */
export function csvDocument(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return [header.join(","), ...rows.map((row) => row.map(csvCell).join(","))].join("\r\n") + "\r\n";
}

/**
 * A CSV document as the merchant's download: an attachment named `<name>-<YYYY-MM-DD>.csv` (the
 * UTC day of `at`, the export's time), never cached.
 */
export function csvDownload(csv: string, name: string, at: Date): Response {
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}-${at.toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
