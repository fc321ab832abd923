package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// t.Setenv: these tests cannot run in parallel with each other.

func TestRequestLimitDefaults(t *testing.T) {
	for _, k := range []string{"MAX_FIELDS", "MAX_ALIASES", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST"} {
		t.Setenv(k, "")
	}
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 1000, c.MaxFields)
	require.Equal(t, 1000, c.MaxAliases)
	require.InDelta(t, 50, c.RateLimitRPS, 0)
	require.Equal(t, 200, c.RateLimitBurst)
}

func TestRequestLimitsFromEnv(t *testing.T) {
	t.Setenv("MAX_FIELDS", "300")
	t.Setenv("MAX_ALIASES", "20")
	t.Setenv("RATE_LIMIT_RPS", "0.5")
	t.Setenv("RATE_LIMIT_BURST", "3")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 300, c.MaxFields)
	require.Equal(t, 20, c.MaxAliases)
	require.InDelta(t, 0.5, c.RateLimitRPS, 0)
	require.Equal(t, 3, c.RateLimitBurst)

	// 0 turns rate limiting off, whatever the burst.
	t.Setenv("RATE_LIMIT_RPS", "0")
	t.Setenv("RATE_LIMIT_BURST", "0")
	c, err = FromEnv()
	require.NoError(t, err)
	require.Zero(t, c.RateLimitRPS)
}

func TestRequestLimitErrorsNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{
		"MAX_FIELDS":       "0",
		"MAX_ALIASES":      "many",
		"RATE_LIMIT_RPS":   "-1",
		"RATE_LIMIT_BURST": "0",
	} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := FromEnv()
			require.Error(t, err)
			require.Contains(t, err.Error(), k)
		})
	}
	t.Setenv("RATE_LIMIT_RPS", "NaN")
	_, err := FromEnv()
	require.ErrorContains(t, err, "RATE_LIMIT_RPS")
}
