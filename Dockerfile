# Marquee API image: build with the Swift toolchain on Debian bookworm, run
# on slim bookworm as an unprivileged user. scripts/image-context.sh runs
# the builder stage's copies and build on this machine (no engine needed).

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libuv1-dev libpq-dev libssl-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve the pinned dependencies first, so source edits do not refetch them.
COPY Package.swift Package.resolved ./
RUN swift package resolve
COPY CShims ./CShims
COPY Plugins ./Plugins
COPY Sources ./Sources
# The manifest declares the test targets, so their folders must exist.
COPY Tests ./Tests
COPY openapi.json ./
COPY scripts/build-release.sh ./scripts/
RUN bash scripts/build-release.sh /out

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libuv1 libpq5 libssl3 zlib1g ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/marquee --create-home marquee
COPY --from=build /out/marquee /usr/local/bin/marquee
USER 10001
WORKDIR /var/lib/marquee
ENV HOST=0.0.0.0 PORT=8080 LOG_LEVEL=info DATA_DIR=/var/lib/marquee
EXPOSE 8080
# Liveness: /healthz through the binary itself (the image has no curl).
# Readiness (/readyz) is the proxy's business, so a database blip does
# not mark every container unhealthy.
HEALTHCHECK --interval=5s --timeout=4s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/marquee", "healthcheck"]
# SIGTERM drains in-flight requests before exit (README, Operations).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/marquee"]
CMD ["serve"]
