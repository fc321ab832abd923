package livebench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// dialParallelism bounds concurrent handshakes: enough to keep the server
// busy, few enough that the listen backlog and the server's Postgres pool
// (each subscribe reads the run and its snapshot) never overflow.
const dialParallelism = 32

// connectAll opens n subscriptions, subscriber i following run i%len(execs),
// and returns once each has its SNAPSHOT. On error every opened one is closed.
func connectAll(ctx context.Context, base, apiKey string, execs []execRef, n, expectEvents int) ([]*subscriber, error) {
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/graphql"
	subs := make([]*subscriber, n)
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(dialParallelism, n) {
		wg.Go(func() {
			for i := range work {
				e := i % len(execs)
				subs[i], errs[i] = subscribe(wsURL, apiKey, e, execs[e].idStr, expectEvents)
			}
		})
	}
feed:
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	err := errors.Join(errs...)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		closeAll(subs)
		return nil, fmt.Errorf("open %d subscriptions: %w", n, firstLine(err))
	}
	return subs, nil
}

// closeAll closes every open subscriber concurrently (a close waits for its
// reader to return).
func closeAll(subs []*subscriber) {
	var wg sync.WaitGroup
	for _, s := range subs {
		if s != nil {
			wg.Go(s.close)
		}
	}
	wg.Wait()
}

// firstLine keeps an error joined from thousands of identical failures
// readable.
func firstLine(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		return fmt.Errorf("%s (and %d more)", msg[:i], strings.Count(msg, "\n"))
	}
	return err
}
