# syntax=docker/dockerfile:1
# The shop's image: `docker build -t payram-storefront .` (compose.yaml builds it too).
#
# Base: Node 22 LTS on Debian bookworm, slim. Node 20 left LTS in April 2026 (no security fixes
# since); 22 is LTS until April 2027 and everything in the lockfile runs on it (next needs
# >=20.9, better-sqlite3 12 builds for 22). The same base in both stages, so the native binding
# compiled in the build stage loads in the runtime stage (same glibc, same Node ABI).
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: install with the toolchain, then the one build script CI runs (npm run build) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded: only here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
# next build with output: "standalone", then public/ and .next/static beside server.js, and a
# check that the native binding and pg were traced in (scripts/build.mjs).
RUN npm run build

# --- emulator (compose's demo profile): the PayRam emulator, from the build stage's tree ---
FROM build AS emulator
ENV EMULATOR_HOST=0.0.0.0 EMULATOR_PORT=4000
USER node
EXPOSE 4000
CMD ["node", "--import", "tsx", "emulator/main.ts"]

# --- runtime: the standalone server alone, no compiler, no npm install, not root ---
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    DATABASE_URL=file:/app/data/shop.db \
    SHUTDOWN_DRAIN_MS=5000
# Read-only for the server (owned by root); it writes only its data and Next's cache.
COPY --from=build /app/.next/standalone ./
RUN mkdir -p /app/data /app/.next/cache && chown node:node /app/data /app/.next/cache
# The SQLite database (the default DATABASE_URL); unused with Postgres.
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Liveness (no database call): Docker marks the container unhealthy only when Node stops answering.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, node as PID 1: SIGTERM reaches the server (graceful stop: lib/jobs/startup.ts).
STOPSIGNAL SIGTERM
CMD ["node", "server.js"]
