# Mailwarden's container image: a build stage that compiles (TypeScript, better-sqlite3's native addon)
# and a runtime stage with Node.js 20, the compiled app and its production dependencies only, run as
# an unprivileged user with its data in one volume. docs/OPERATIONS.md, "Container", says how to
# build and run it; deploy/container/compose.yaml runs it with PostgreSQL.
#
#   podman build --format docker -t mailwarden:local .     (or: docker build -t mailwarden:local .)
#
# --format docker keeps the HEALTHCHECK (Podman's default OCI format has no field for it).
# The base is Debian 13 (trixie), whose nodejs is 20.19. Where no registry is reachable, CI builds
# this base with mmdebstrap and imports it under the same name (.ci/container-base.sh).
ARG BASE=docker.io/library/debian:trixie-slim

FROM ${BASE} AS build
# A compiler for better-sqlite3 (its prebuilt binary would be a download from GitHub), and Node's
# headers from libnode-dev so that node-gyp needs no download either (npm_config_nodedir).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nodejs npm libnode-dev python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr \
    npm_config_build_from_source=true \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lockfile changes. Scripts are skipped here
# (the root package's `prepare` would compile sources not copied yet) and better-sqlite3, the one
# dependency with an install script, is built explicitly. An optional build secret `npm-ca` (a PEM
# bundle) is trusted while downloading, for networks whose egress proxy re-signs TLS:
#   podman build --secret id=npm-ca,src=/etc/ssl/certs/ca-certificates.crt …
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm-ca,required=false \
    --mount=type=cache,target=/root/.npm \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi \
 && npm ci --ignore-scripts \
 && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --ignore-scripts \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src build/Release/obj build/Release/obj.target build/Release/.deps build/Release/sqlite3.a \
      build/Release/test_extension.node build/deps

FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 mailwarden \
 && useradd --system --uid 10001 --gid mailwarden --home-dir /var/lib/mailwarden --shell /usr/sbin/nologin mailwarden \
 && install -d -m 0700 -o mailwarden -g mailwarden /var/lib/mailwarden \
 && install -d -m 0750 -o root -g mailwarden /etc/mailwarden
# The app belongs to root: the service account can read it, not change it.
WORKDIR /opt/mailwarden
COPY LICENSE README.md package.json ./
COPY deploy ./deploy
COPY docs ./docs
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/node_modules ./node_modules
RUN ln -s /opt/mailwarden/bin/mailwarden.js /usr/local/bin/mailwarden
# Listening on every address of the container needs web.publicUrl (the console's origin); this one
# fits a port published on the host's loopback. Set it to the address users type.
ENV NODE_ENV=production \
    MAILWARDEN_DATA_DIR=/var/lib/mailwarden \
    MAILWARDEN_LISTEN=0.0.0.0 \
    MAILWARDEN_WEB_PUBLIC_URL=http://localhost:8025
USER mailwarden
WORKDIR /var/lib/mailwarden
VOLUME ["/var/lib/mailwarden"]
# Submission (STARTTLS, implicit TLS), HTTP (console, API, /healthz), Postfix policy service.
EXPOSE 2587 2465 8025 10040
# No curl in the image: Node's own fetch. 200 is ok or degraded (relay down: clients are told to
# retry); 503 is down (no database).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MAILWARDEN_HTTP_PORT || 8025) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: stop accepting, let sessions finish (shutdown.graceMs), close the database, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/mailwarden/bin/mailwarden.js"]
CMD ["serve"]
