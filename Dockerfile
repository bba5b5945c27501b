# Multi-stage build: a static binary (CGO_ENABLED=0; the SQLite driver is
# pure Go) in a distroless image that runs as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# .ci/static-build.sh runs this exact command; keep it on one line.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/scopegate ./cmd/scopegate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scopegate /usr/local/bin/scopegate
COPY config.example.yaml /etc/scopegate/config.yaml
# The default SQLite store (dsn "scopegate.db") is created in the working
# directory, which the nonroot user owns. Mount a volume here to keep it.
WORKDIR /home/nonroot
USER nonroot:nonroot
# 8080: authorization server + gateway. 9090: admin (/healthz, /readyz,
# /metrics); set server.admin_listen to ":9090" to reach it from outside the
# container, and never publish it to the internet.
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/scopegate"]
CMD ["serve", "--config", "/etc/scopegate/config.yaml"]
