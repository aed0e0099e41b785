# syntax=docker/dockerfile:1
# vulngate for GitLab CI jobs: the official Trivy image, pinned by version and digest, plus Node.js and the bundled
# CLI. GitLab runs the job's script, so the entrypoint is empty. Build from a checkout with dist/ built:
#   docker build -t ghcr.io/vulngate/vulngate:0.1.0 .
#   docker build --build-arg BAKE_DB=true -t …:0.1.0-db .   # with the vulnerability DB, for runners without registry access
ARG TRIVY_IMAGE=aquasec/trivy:0.74.0@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969
FROM ${TRIVY_IMAGE}

ARG BAKE_DB=false
ARG DB_REPOSITORY=mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2

# Node.js from Alpine's packages (the Trivy image is Alpine); vulngate needs Node 20 or later.
RUN apk add --no-cache 'nodejs>=20' \
    && addgroup -S -g 10001 vulngate \
    && adduser -S -D -u 10001 -G vulngate -h /home/vulngate vulngate

# Only the bundled CLI: no sources, no dev dependencies.
COPY dist/cli/ /opt/vulngate/
COPY --chmod=755 <<'SH' /usr/local/bin/vulngate
#!/bin/sh
exec node /opt/vulngate/index.js "$@"
SH

USER 10001:10001
WORKDIR /home/vulngate
ENV VULNGATE_CACHE_DIR=/home/vulngate/.cache/vulngate/trivy

# With BAKE_DB=true the DB is in the image and scans run offline; otherwise it is downloaded once per job.
RUN if [ "$BAKE_DB" = "true" ]; then \
      trivy image --download-db-only --no-progress --cache-dir "$VULNGATE_CACHE_DIR" --db-repository "$DB_REPOSITORY" \
      && trivy image --download-java-db-only --no-progress --cache-dir "$VULNGATE_CACHE_DIR" \
      && touch "$VULNGATE_CACHE_DIR/.baked"; \
    fi
# A baked DB means scans never reach a registry; unset VULNGATE_OFFLINE in the job to refresh it instead.
ENV VULNGATE_OFFLINE=${BAKE_DB}

ENTRYPOINT []
CMD ["vulngate", "--help"]
