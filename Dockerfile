# One image for every Hubgraph process. TypeScript runs through tsx; there is no build step.
# Default: the launcher (gateway + all subgraphs in one container, embedded infra unless env says otherwise).
# docker-compose overrides the command per service:
#   gateway     → npx tsx gateway/src/index.ts
#   subgraph X  → npx tsx subgraphs/X/src/index.ts   (X = user | order | hub | delivery | locker)
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so source edits do not invalidate the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci

COPY . .

ENV HOST=0.0.0.0
EXPOSE 4000 4001 4002 4003 4004 4005

CMD ["npx", "tsx", "tools/start.ts"]
