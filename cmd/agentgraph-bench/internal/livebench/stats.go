package livebench

import (
	"slices"
	"time"
)

// Dist summarises latency samples.
type Dist struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// distOf sorts samples in place and reads the percentiles (nearest rank).
func distOf(samples []time.Duration) Dist {
	if len(samples) == 0 {
		return Dist{}
	}
	slices.Sort(samples)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(samples))+0.5) - 1
		return samples[min(max(i, 0), len(samples)-1)]
	}
	return Dist{N: len(samples), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: samples[len(samples)-1]}
}
