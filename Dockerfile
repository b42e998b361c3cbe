# syntax=docker/dockerfile:1
# Mailover's image: see docs/deploy.md. Three stages: `build` compiles TypeScript with the dev
# dependencies, `deps` installs the production dependencies only (better-sqlite3 is a native
# addon: it is compiled there, where the compilers are), and the runtime stage copies both and
# runs as a non-root numeric user with nothing writable but /data (and /tmp).
# deploy/image-steps.sh runs these same steps on a machine without a container engine.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

FROM toolchain AS build
# Scripts are skipped so that a `prepare` script that builds cannot run before the sources are
# here; better-sqlite3 (needed by nothing at build time) is not compiled in this stage.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The operator console: built into dist/console-ui, which the runtime stage copies with dist/.
COPY console ./console
COPY scripts/build-console.js ./scripts/build-console.js
RUN npm run build

FROM toolchain AS deps
# --ignore-scripts: the root package's own lifecycle scripts (a `prepare` that builds would need
# TypeScript, absent here). Then only the native addon's install script runs.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    MAILOVER_DATA_DIR=/data \
    PORT=3000 \
    HOME=/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# Everything under /app stays root-owned and read-only for the service user.
RUN mkdir -p /data && chown 10001:10001 /data && chmod 0700 /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node runs as PID 1 and handles SIGTERM itself (main.ts), with no npm wrapper in between.
CMD ["node", "dist/main.js"]
