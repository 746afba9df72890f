# apigw-local as a small image: built on Debian 12 with Rust, run on distroless/cc-debian12,
# which has the glibc, libm and libgcc_s the binary links to and nothing else (no shell).
# scripts/check-container.sh performs these steps on the host in CI (docs/container.md).
#
#   docker build -t apigw-local .
#   docker run --rm -p 127.0.0.1:4566:4566 -v apigw-state:/data apigw-local

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# Cache mounts keep the crates and the target folder between builds; the binary is copied out
# of the mounted target folder, which does not outlive this step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p apigw-local \
 && cp target/release/apigw-local /apigw-local \
 && mkdir /data && chown 65532:65532 /data

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /apigw-local /usr/local/bin/apigw-local
# The state folder, owned by the image's user (nonroot, 65532), so a new named volume is too.
COPY --from=build --chown=65532:65532 /data /data
VOLUME /data
# All interfaces inside the container: publish the port on the host's loopback
# (-p 127.0.0.1:4566:4566), as nothing is authenticated.
ENV APIGW_LISTEN=0.0.0.0:4566 APIGW_DB=/data/state.db
EXPOSE 4566
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
    CMD ["/usr/local/bin/apigw-local", "--health-check"]
ENTRYPOINT ["/usr/local/bin/apigw-local"]
