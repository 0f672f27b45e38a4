# Marquee API image: build with the Swift toolchain, run on slim Debian.
FROM swift:6.1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libuv1-dev libpq-dev libssl-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so source edits do not refetch them.
COPY Package.swift Package.resolved ./
RUN swift package resolve
COPY CShims ./CShims
COPY Plugins ./Plugins
COPY Sources ./Sources
COPY openapi.json ./
COPY Tests ./Tests
RUN swift build -c release --product marquee --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/marquee" /marquee

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libuv1 libpq5 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home marquee
COPY --from=build /marquee /usr/local/bin/marquee
USER 10001
ENV HOST=0.0.0.0 PORT=8080 LOG_LEVEL=info
EXPOSE 8080
# SIGTERM drains in-flight requests before exit (see README, Operations).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/marquee"]
CMD ["serve"]
