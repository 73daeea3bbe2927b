# The `clever-kyc` command in a minimal image, running as a non-root user.
#   docker build -t clever-kyc .
#   docker run --rm -p 8787:8787 -p 9787:9787 -v kyc:/var/lib/clever-kyc clever-kyc \
#       listen --bind 0.0.0.0:8787 --admin-bind 0.0.0.0:9787 \
#       --store sqlite:/var/lib/clever-kyc/kyc.db --auth-file /run/secrets/kyc-auth --log-format json
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p clever-kyc-cli

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/clever-kyc --create-home clever-kyc
COPY --from=build /src/target/release/clever-kyc /usr/local/bin/clever-kyc
USER clever-kyc
WORKDIR /var/lib/clever-kyc
EXPOSE 8787 9787
ENTRYPOINT ["/usr/local/bin/clever-kyc"]
CMD ["--help"]
