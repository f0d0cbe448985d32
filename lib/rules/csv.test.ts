import { describe, expect, it } from "vitest";
import { csvDocument, csvDownload } from "./csv";

describe("csvDownload", () => {
  it("hands the document over as an uncached attachment named by the export's UTC day", async () => {
    const csv = csvDocument(["Order", "Total"], [[1001, "=SUM(A1)"]]);
    const response = csvDownload(csv, "orders", new Date("2026-03-01T23:30:00-05:00"));
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="orders-2026-03-02.csv"');
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.text()).toBe('Order,Total\r\n"1001","\'=SUM(A1)"\r\n');
  });
});
