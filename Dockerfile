# syntax=docker/dockerfile:1
#
# Tandem's container image: one image for every role, chosen by the command
# (`tandem serve`, `tandem worker`, `tandem migrate`; see docs/deploy.md).
# Build with `docker build -t tandem .` from the repository's root.

# Node 20 is the version Tandem is built and tested with (docs STACK).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: every dependency, then the workspace's build --------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The npm the repository names (package.json "packageManager"): the lockfile
# and the install-script allowlist are its own; the image's npm is older.
RUN npm install -g npm@11.19.1 --no-audit --no-fund
# The whole tree (less .dockerignore): `npm ci` needs every workspace's
# package.json, and the plugins' folders are not listed here one by one.
COPY . .
RUN npm ci --no-audit --no-fund
RUN npm run build
# Production dependencies only, and none of the build's caches.
RUN npm prune --omit=dev --no-audit --no-fund \
 && rm -rf apps/web/.svelte-kit node_modules/.cache apps/*/test \
 && find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete

# --- runtime: the built workspace, production dependencies, no root --------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TANDEM_DATA_DIR=/var/lib/tandem
WORKDIR /app
# The `node` user (uid 1000) of the official image owns nothing but the data
# folder (used only by the embedded database, which a deployment does not use).
RUN mkdir -p /var/lib/tandem && chown node:node /var/lib/tandem
COPY --from=build --chown=root:root /app /app
USER node
EXPOSE 3000
# Readiness of `tandem serve` (PostgreSQL and Redis answer); workers listen on
# no port, and their compose service turns this check off.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ops/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/apps/server/bin/tandem.js"]
CMD ["serve"]
