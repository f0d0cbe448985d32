import type { Config } from "tailwindcss";

// The shop's theme tokens. Loaded from app/globals.css with `@config`.
const config: Config = {
  content: ["./app/**/*.{ts,tsx}", "./components/**/*.{ts,tsx}"],
  theme: {
    extend: {
      colors: {
        brand: {
          50: "#eef6ff",
          100: "#d9eaff",
          500: "#2f6fed",
          600: "#1f57d1",
          700: "#1a46a8",
          900: "#142f66",
        },
        ink: { DEFAULT: "#111827", muted: "#4b5563", faint: "#6b7280" },
        paper: { DEFAULT: "#ffffff", subtle: "#f8fafc", line: "#e5e7eb" },
        ok: "#15803d",
        warn: "#b45309",
        bad: "#b91c1c",
      },
      fontFamily: {
        sans: ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
      },
      maxWidth: { shop: "72rem" },
    },
  },
};

export default config;
