# The README's commands. `make run` serves; `make test` runs everything.
SHELL := /bin/bash
GO ?= go
BIN := bin/agentgraph
BENCH := bin/agentgraph-bench

.PHONY: run test build services generate check-generate web check-web vet unit e2e bench clean

run: services build ## start local services, migrate, serve on :8080
	./$(BIN) serve

test: services vet check-generate check-web unit e2e ## the whole suite against the real services

build:
	$(GO) build -o $(BIN) ./cmd/agentgraph

services:
	@./scripts/services.sh

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^graph/' | grep -v '^internal/db/dbsqlc/')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 15m ./...

e2e: build
	@./scripts/e2e.sh

# Regenerates sqlc and gqlgen output; both generators are pinned (tools/go.mod, go.mod).
generate:
	cd tools && $(GO) tool sqlc -f ../sqlc.yaml generate
	cd tools && $(GO) build -o ../bin/gqlgen github.com/99designs/gqlgen
	./bin/gqlgen generate

# Fails when the committed generated code differs from what the generators produce.
check-generate: generate
	@if [ -n "$$(git status --porcelain -- graph internal/db/dbsqlc)" ]; then \
	  echo "generated code is stale: run make generate and commit"; \
	  git status --porcelain -- graph internal/db/dbsqlc; git diff --stat -- graph internal/db/dbsqlc; exit 1; fi

# Rebuilds the web app (web/) into internal/server/webapp/dist, which the
# binary embeds, with the pinned toolchain of web/package-lock.json.
web:
	cd web && npm ci --no-audit --no-fund --loglevel=error && npx tsc --noEmit -p . && node build.mjs

# Fails when the committed bundle differs from what web/ builds (the build is
# deterministic), so `make run` never needs Node and never serves a stale app.
check-web: web
	@if [ -n "$$(git status --porcelain -- internal/server/webapp/dist)" ]; then \
	  echo "the web app's bundle is stale: run make web and commit internal/server/webapp/dist"; \
	  git status --porcelain -- internal/server/webapp/dist; exit 1; fi

# The benchmarks are their own binary (cmd/agentgraph-bench); `live` launches bin/agentgraph beside it.
bench: services build
	$(GO) build -o $(BENCH) ./cmd/agentgraph-bench
	$(GO) test -run '^$$' -bench . -benchtime 3x ./engine/ ./resolvers/ ./internal/events/
	$(GO) test -run '^$$' -bench . -benchtime 1x ./cmd/agentgraph-bench/internal/livebench/
	./$(BENCH) engine

clean:
	rm -rf bin
