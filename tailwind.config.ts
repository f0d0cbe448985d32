import type { Config } from "tailwindcss";

// The shop's theme tokens. Loaded from app/globals.css with `@config`.
const config: Config = {
  content: ["./app/**/*.{ts,tsx}", "./components/**/*.{ts,tsx}"],
  theme: {
    extend: {
      // Colors: app/globals.css (@theme), as CSS variables the dark theme sets again.
      fontFamily: {
        sans: ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
      },
      maxWidth: { shop: "72rem" },
    },
  },
};

export default config;
