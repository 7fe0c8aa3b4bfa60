# One image for every Hubgraph process, on Node 24 LTS. The build stage turns the TypeScript into plain JavaScript
# (`npm run build` → dist/, docs/adr/0005-node-24-and-a-build-step.md); the runtime stage holds the production
# dependencies and dist/ only, and starts every process with plain `node` (no TypeScript compiled at run time).
# Default: the launcher (gateway + all subgraphs in one container, embedded infra unless env says otherwise).
# docker-compose overrides the command per service:
#   gateway     → node dist/gateway/src/index.js
#   subgraph X  → node dist/subgraphs/X/src/index.js   (X = user | order | hub | delivery | locker)
#   migrate     → node dist/tools/migrate.js up;  seed → node dist/tools/seed.js

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so source edits do not invalidate the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV HOST=0.0.0.0 \
    NODE_COMPILE_CACHE=/app/.cache/node-compile
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Fill Node's compile cache once, here, so that every container starts from compiled code: loading the launcher
# loads the gateway, every subgraph and nearly all of node_modules, and starts nothing.
# The processes run as the image's unprivileged `node` user; the embedded mode's SQLite files go to /app/.data.
RUN node --input-type=module -e "await import('./dist/compile-cache.js'); await import('./dist/tools/platform.js')" \
    && mkdir -p /app/.data && chown -R node:node /app/.cache /app/.data
USER node
EXPOSE 4000 4001 4002 4003 4004 4005

CMD ["node", "dist/tools/start.js"]
