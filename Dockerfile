# The blog's image for Fly.io: LiteFS mounts the replicated database and then
# runs the blog (litefs.yml). docs/DEPLOY.md describes the deployment.

FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first, so that a change of code does not download them again.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# The version printed by `blog version` and logged at start.
ARG VERSION=dev
# sqlite3_flock: LiteFS's FUSE file system has no OFD locks, SQLite's
# default; without the tag every write on LiteFS fails with "disk I/O error".
# -s -w leave out the symbol table and debug information (11 MB); stack
# traces keep their function names and lines.
RUN CGO_ENABLED=0 go build -tags sqlite3_flock -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/blog ./cmd/blog

FROM debian:bookworm-slim
# fuse3 for LiteFS's mount, sqlite3 for an operator's look at the database
# (docs/DEPLOY.md).
RUN apt-get update -y \
 && apt-get install -y --no-install-recommends fuse3 sqlite3 \
 && rm -rf /var/lib/apt/lists/*
# CA certificates for LiteFS's Consul lease over TLS: the build stage's
# bundle, which is all Go reads, without the 9 MB of OpenSSL that the
# ca-certificates package would bring along.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt

COPY --from=flyio/litefs:0.5 /usr/local/bin/litefs /usr/local/bin/litefs
COPY litefs.yml /etc/litefs.yml
COPY --from=build /out/blog /usr/local/bin/blog

# LiteFS runs as root to mount FUSE; it starts `blog migrate` and `blog serve`
# once it has joined the cluster, and passes SIGTERM on to the blog.
ENTRYPOINT ["litefs", "mount"]
