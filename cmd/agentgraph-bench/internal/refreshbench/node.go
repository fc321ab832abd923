package refreshbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/pg"
)

// NodeCommand is the hidden subcommand Run launches its processes with.
const NodeCommand = "refresh-node"

// readyLine is what a node process prints once it can take rounds.
const readyLine = "ready"

// round is what a node process answers for one round: when it began, and
// per node run how long after that its credential was resolved and the
// access token it got (or the error).
type round struct {
	Began time.Time `json:"began"` // the wall clock: the processes share the machine's
	// ProviderTook is the refresh's round trip to the provider as this
	// process saw it (0 when it did not refresh): the stub's fixed delay
	// plus HTTP and, on a busy machine, scheduling.
	ProviderTook time.Duration   `json:"provider_took"`
	Latencies    []time.Duration `json:"latencies"`
	Tokens       []string        `json:"tokens"`
	Errors       []string        `json:"errors"`
}

// Node is one of the bench's processes, started by Run as
// `agentgraph-bench refresh-node --user U --credential C --nodes N` with
// the product's environment (DATABASE_URL, DB_MAX_CONNS, ENCRYPTION_KEY,
// OAUTH_PROVIDERS, …). It builds the credential service as app.New builds
// a worker's, from config.FromEnv, its own pool and its own in-process
// flight, then for each line read on stdin resolves the credential for N
// node runs at once, as the engine does for a node whose credentials input
// names it (Options.CredentialByID), and writes one JSON line. The only
// addition is a clock around the provider's refresh.
func Node(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet(NodeCommand, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	user := fs.String("user", "", "the credential's owner")
	cred := fs.String("credential", "", "the credential every node run names")
	nodes := fs.Int("nodes", 1, "concurrent node runs per round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	userID, err := uuid.Parse(*user)
	if err != nil {
		return fmt.Errorf("--user: %w", err)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	pool, err := pg.Connect(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := warmPool(ctx, pool, warmConns); err != nil {
		return err
	}
	cipher, err := credentials.NewCipher(cfg.EncryptionKey)
	if err != nil {
		return err
	}
	if cipher == nil {
		return errors.New("ENCRYPTION_KEY is not set")
	}
	providers, err := integrations.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	timed := &timedProviders{Providers: providers}
	svc := credentials.NewService(db.New(pool), cipher).WithProviders(timed, nil)

	if _, err := fmt.Fprintln(stdout, readyLine); err != nil {
		return err
	}
	in := bufio.NewScanner(stdin)
	out := json.NewEncoder(stdout)
	for in.Scan() { // one line, one round; EOF ends the process
		var r round
		if n, ok := strings.CutPrefix(in.Text(), oneAtATime+" "); ok {
			count, err := strconv.Atoi(n)
			if err != nil {
				return err
			}
			r = resolveOneAtATime(ctx, svc, userID, *cred, count)
		} else {
			timed.took.Store(0)
			r = resolveAtOnce(ctx, svc, userID, *cred, *nodes)
			r.ProviderTook = time.Duration(timed.took.Load())
		}
		if err := out.Encode(r); err != nil {
			return err
		}
	}
	return in.Err()
}

// oneAtATime is the line asking a node process for resolves one after
// another ("seq N"), rather than a round of its node runs at once.
const oneAtATime = "seq"

// resolveOneAtATime resolves the credential n times in a row, each
// measured alone: issue 13's resolve figure (no refresh due).
func resolveOneAtATime(ctx context.Context, svc *credentials.Service, userID uuid.UUID, cred string, n int) round {
	r := round{Began: time.Now()}
	for range n {
		t0 := time.Now()
		c, err := svc.ByID(ctx, userID, cred)
		r.Latencies = append(r.Latencies, time.Since(t0))
		r.Tokens = append(r.Tokens, c.Secret)
		r.Errors = append(r.Errors, errText(err))
	}
	return r
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// resolveAtOnce starts n node runs' credential resolutions at one moment
// and measures each from that moment.
func resolveAtOnce(ctx context.Context, svc *credentials.Service, userID uuid.UUID, cred string, n int) round {
	r := round{Latencies: make([]time.Duration, n), Tokens: make([]string, n), Errors: make([]string, n)}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var t0 time.Time
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := svc.ByID(ctx, userID, cred)
			r.Latencies[i] = time.Since(t0)
			r.Tokens[i] = c.Secret
			r.Errors[i] = errText(err)
		}()
	}
	t0 = time.Now()
	r.Began = t0
	close(start)
	wg.Wait()
	return r
}

// timedProviders measures the provider's round trips of refreshes.
type timedProviders struct {
	credentials.Providers
	took atomic.Int64 // nanoseconds, this round
}

func (t *timedProviders) Refresh(ctx context.Context, provider, refreshToken string) (*credentials.Token, error) {
	t0 := time.Now()
	defer func() { t.took.Add(int64(time.Since(t0))) }()
	return t.Providers.Refresh(ctx, provider, refreshToken)
}

// warmConns is how many connections a node process opens before its
// rounds. A worker's pool holds the connections its engine uses; the
// bench's node runs alone, sharing their reads, keep one, and the first
// refresh round dialled a second (the claim's, with the read beside it)
// on the refresher's path: that round alone set the p95 of a run.
const warmConns = 4

// warmPool opens n connections of the pool and returns them to it idle.
func warmPool(ctx context.Context, pool *pgxpool.Pool, n int) error {
	conns := make([]*pgxpool.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range min(n, int(pool.Config().MaxConns)) {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	return nil
}
