# syntax=docker/dockerfile:1
#
# The deploysim image: a release build on rust:1.95, copied into a slim
# Debian of the same release (the binary links glibc dynamically), run as a
# non-root user.
#
#   docker build -t deploysim:0.1.0 .
#   docker run --rm -v "$PWD/scenarios:/scenarios:ro" deploysim:0.1.0 run /scenarios/checkout-api.yaml
#
# The runtime keeps /bin/sh so that the merge Job can expand /results/shard-*
# (deploy/kubernetes/merge-job.yaml).

FROM rust:1.95-slim-trixie AS builder
WORKDIR /src
COPY . .
# Cache mounts keep the registry and build directory between builds; the
# binary is copied out of the cache before the step ends.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin deploysim \
    && install -m 0755 target/release/deploysim /usr/local/bin/deploysim

FROM debian:trixie-slim
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin deploysim
COPY --from=builder /usr/local/bin/deploysim /usr/local/bin/deploysim
COPY scenarios /usr/share/deploysim/scenarios
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["deploysim"]
CMD ["--help"]
